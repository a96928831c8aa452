# syntax=docker/dockerfile:1
# One image per service, chosen with SERVICE (api-service, worker-service or runner-service):
#   docker build --build-arg SERVICE=worker-service -t agent-center-worker .
# docker-compose.yml builds all three.

# Vite needs Node.js >= 20.19, newer than the build image's distribution packages: take Node from its own image.
FROM node:22-bookworm-slim AS node

FROM maven:3.9-eclipse-temurin-25 AS build
ARG SERVICE=api-service
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
# npm builds the web UI when the API is built; curl lets the Maven wrapper download Maven.
RUN ln -s /usr/local/lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
    && apt-get update \
    && apt-get install -y --no-install-recommends curl ca-certificates \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -q -B -DskipTests package -pl ${SERVICE} -am \
    && cp ${SERVICE}/target/${SERVICE}.jar /app.jar

FROM eclipse-temurin:25-jre
ARG SERVICE=api-service
# The runner clones repositories and runs commands with bash; the other services need nothing extra.
RUN if [ "${SERVICE}" = "runner-service" ]; then \
        apt-get update \
        && apt-get install -y --no-install-recommends git openssh-client ca-certificates \
        && rm -rf /var/lib/apt/lists/*; \
    fi \
    && groupadd --system agentcenter \
    && useradd --system --gid agentcenter --create-home --home-dir /home/agentcenter agentcenter
COPY --from=build /app.jar /app/app.jar
USER agentcenter
# Relative paths (RUNNER_WORKSPACE_ROOT=.agent-center/workspaces) resolve here.
WORKDIR /home/agentcenter
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/app.jar"]
