# The operator image (values.yaml: operatorImage). Build from the repository root:
#   docker build -t rayctl/operator:$(node -p "require('./package.json').version") .
# The bundle in dist/ carries every dependency, so the runtime stage needs no node_modules.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY . .
RUN npm run build

FROM node:20-bookworm-slim
WORKDIR /opt/rayctl
COPY --from=build /src/package.json ./
COPY --from=build /src/bin ./bin
COPY --from=build /src/dist ./dist
COPY --from=build /src/templates ./templates
COPY --from=build /src/values ./values
RUN ln -s /opt/rayctl/bin/rayctl.cjs /usr/local/bin/rayctl
# The chart runs it as user 1000 with a read-only root filesystem.
USER 1000:1000
ENTRYPOINT ["rayctl"]
CMD ["operator"]
