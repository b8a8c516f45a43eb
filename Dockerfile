# Dari hub image. Build: docker build -t dari .   Run: docker run -p 8583:8583 -p 9583:9583 dari
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 and other native addons build with python3/make/g++ when no prebuilt binary fits.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY specs ./specs
COPY bench ./bench
# npm ci runs the prepare script (tsc) with the dev dependencies, then they are dropped.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/src/codec/iso8583/dialects/*.json ./src/codec/iso8583/dialects/
USER node
EXPOSE 8583 9583
ENTRYPOINT ["node", "bin/dari.js"]
CMD ["start"]
