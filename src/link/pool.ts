/**
 * Several links to one partner behind the same send contract (undici's Pool over Clients).
 *
 * A request goes to the `preferLink` when that link can take it (a reversal or follow-up on the
 * link that carried the original), otherwise to the available link with the fewest requests in
 * flight (ties rotate). With no available link it rejects at once with DARI_LINK_NOT_READY
 * (`sent: false`): the switch answers stand-in (91) instead of waiting.
 *
 * "One outstanding request per connection" partners: give each link `maxInFlight: 1`; a link with a
 * request in flight is then skipped, and when every link is busy the request is refused
 * (NOT_READY, nothing sent) rather than queued. generic-pool is not used: its resources are created
 * and destroyed by the pool on demand, while links are long-lived and reconnect by themselves.
 */
import { EventEmitter } from 'node:events';
import type { Iso8583Message } from '../codec/iso8583';
import { DariError } from '../errors';
import { LinkError } from './errors';
import { Link, type LinkState } from './link';
import type { LinkOptions } from './options';
import type { Exchange, SendOptions, Sender } from './types';

export interface LinkPoolOptions {
  /** Name in errors and metrics (e.g. the partner's name). @default 'pool' */
  id?: string;
  /**
   * The links: options (the pool creates them) or links created by the caller. Ids must be unique.
   * @default none (at least one)
   */
  links: readonly (Link | LinkOptions)[];
}

/** One link as metrics see it. */
export interface LinkStatus {
  id: string;
  state: LinkState;
  ready: boolean;
  inFlight: number;
}

export interface LinkPoolEventMap {
  /** A link of the pool changed state. */
  state: [link: string, state: LinkState, previous: LinkState];
}

export class LinkPool extends EventEmitter<LinkPoolEventMap> implements Sender {
  readonly id: string;
  /** The pool's links, in configuration order. */
  readonly links: readonly Link[];
  private readonly byId: ReadonlyMap<string, Link>;
  private rotate = 0;

  constructor(options: LinkPoolOptions) {
    super();
    if (options === null || typeof options !== 'object') throw new DariError('DARI_LINK_OPTIONS_INVALID', 'pool options must be an object');
    for (const key of Object.keys(options)) {
      if (key !== 'id' && key !== 'links') throw new DariError('DARI_LINK_OPTIONS_INVALID', `pool option ${key} is not a pool option`);
    }
    if (options.id !== undefined && (typeof options.id !== 'string' || options.id.length === 0)) {
      throw new DariError('DARI_LINK_OPTIONS_INVALID', 'pool option id must be a non-empty string');
    }
    this.id = options.id ?? 'pool';
    if (!Array.isArray(options.links) || options.links.length === 0) {
      throw new DariError('DARI_LINK_OPTIONS_INVALID', `pool option links must list at least one link (pool ${this.id})`);
    }
    const links = options.links.map((l) => (l instanceof Link ? l : new Link(l)));
    const byId = new Map<string, Link>();
    for (const l of links) {
      if (byId.has(l.id)) throw new DariError('DARI_LINK_OPTIONS_INVALID', `pool option links has two links with id ${JSON.stringify(l.id)} (pool ${this.id})`);
      byId.set(l.id, l);
      l.on('state', (state, previous) => {
        try {
          this.emit('state', l.id, state, previous);
        } catch {
          // a failing pool listener must not break the link's own state change
        }
      });
    }
    this.links = Object.freeze(links);
    this.byId = byId;
  }

  /** Start every link (connect). */
  start(): this {
    for (const l of this.links) l.start();
    return this;
  }

  /** True when at least one link is ready. */
  get ready(): boolean {
    for (const l of this.links) if (l.ready) return true;
    return false;
  }

  /** Requests in flight over all links. */
  get inFlight(): number {
    let n = 0;
    for (const l of this.links) n += l.inFlight;
    return n;
  }

  link(id: string): Link | undefined {
    return this.byId.get(id);
  }

  /** Per-link state and load, for metrics (`dari_link_up`, `dari_link_in_flight`). */
  status(): LinkStatus[] {
    return this.links.map((l) => ({ id: l.id, state: l.state, ready: l.ready, inFlight: l.inFlight }));
  }

  request(msg: Iso8583Message, options?: SendOptions): Promise<Exchange> {
    const link = this.pick(options?.preferLink);
    if (link === undefined) {
      return Promise.reject(new LinkError('DARI_LINK_NOT_READY', `pool ${this.id}: no link can take the request (${this.describe()}); nothing was sent`, false));
    }
    return link.request(msg, options);
  }

  /** Close every link. */
  async close(): Promise<void> {
    await Promise.all(this.links.map((l) => l.close()));
  }

  private pick(prefer: string | undefined): Link | undefined {
    if (prefer !== undefined) {
      const p = this.byId.get(prefer);
      if (p !== undefined && p.available) return p;
    }
    const links = this.links;
    const n = links.length;
    const start = this.rotate;
    this.rotate = start + 1 >= n ? 0 : start + 1;
    let best: Link | undefined;
    let bestLoad = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const l = links[(start + i) % n] as Link;
      if (!l.available) continue;
      const load = l.inFlight;
      if (load < bestLoad) {
        best = l;
        bestLoad = load;
        if (load === 0) break;
      }
    }
    return best;
  }

  private describe(): string {
    return this.links.map((l) => `${l.id} ${l.state}${l.ready ? `, ${l.inFlight} in flight` : ''}`).join('; ');
  }
}
