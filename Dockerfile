# Guildhall: the source runs directly on Node 24 (type stripping), so the image is the source tree
# plus dependencies. Build: docker build -t guildhall .
FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# The `node` dev dependency is not needed here: the image already has Node 24.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY src ./src
COPY migrations ./migrations
COPY seeds ./seeds
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# As `npm run serve`: a 16 MB young generation, for a server with a Postgres database (see docs/operations.md).
CMD ["node", "--max-semi-space-size=16", "--v8-pool-size=1", "src/main.ts"]
