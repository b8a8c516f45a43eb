/**
 * Reference data the EMV MPM checks need (EMV QRCPS MPM 4.7: ID 53 is an ISO 4217 numeric code,
 * ID 58 an ISO 3166-1 alpha-2 code, and an amount carries at most the currency's minor unit digits).
 */

/**
 * ISO 4217 list one, active currencies (funds and precious metals left out): numeric code -> minor
 * units (the "exponent"). Currencies not listed here have 2 minor units.
 */
const NOT_TWO: Readonly<Record<string, number>> = {
  // 0 minor units
  '108': 0, '152': 0, '174': 0, '262': 0, '324': 0, '352': 0, '392': 0, '410': 0, '548': 0,
  '600': 0, '646': 0, '704': 0, '800': 0, '950': 0, '952': 0, '953': 0,
  // 3 minor units
  '048': 3, '368': 3, '400': 3, '414': 3, '434': 3, '512': 3, '788': 3,
};

const CURRENCY_CODES =
  '008 012 032 036 044 048 050 051 052 060 064 068 072 084 090 096 104 108 116 124 132 136 144 152 156 ' +
  '170 174 188 192 203 208 214 222 230 232 238 242 262 270 292 320 324 328 332 340 344 348 352 356 360 ' +
  '364 368 376 388 392 398 400 404 408 410 414 417 418 422 426 430 434 446 454 458 462 480 484 496 498 ' +
  '504 512 516 524 532 533 548 554 558 566 578 586 590 598 600 604 608 634 643 646 654 682 690 694 702 ' +
  '704 706 710 728 748 752 756 760 764 776 780 784 788 800 807 818 826 834 840 858 860 882 886 901 924 ' +
  '925 926 928 929 930 932 933 934 936 938 941 943 944 946 949 950 951 952 953 967 968 969 971 972 973 ' +
  '975 976 977 978 980 981 985 986';

const CURRENCY_EXPONENT: ReadonlyMap<string, number> = new Map(
  CURRENCY_CODES.split(' ').map((c) => [c, NOT_TWO[c] ?? 2] as const),
);

/** Minor units of an ISO 4217 numeric currency code, or undefined when the code is not a currency. */
export function currencyExponent(numeric: string): number | undefined {
  return CURRENCY_EXPONENT.get(numeric);
}

/** ISO 3166-1 alpha-2: the 249 officially assigned codes. */
const COUNTRY_CODES = new Set(
  ('AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW ' +
    'BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI ' +
    'FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN ' +
    'IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME ' +
    'MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF ' +
    'PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV ' +
    'SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE ' +
    'YT ZA ZM ZW').split(' '),
);

export function isCountryCode(alpha2: string): boolean {
  return COUNTRY_CODES.has(alpha2);
}
