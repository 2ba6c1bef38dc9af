# The Shoal daemon. Build: docker build -t shoal . ; run: docker run -p 4001:4001 -v shoal:/data shoal
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Shoal.Cli -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
RUN useradd --system --uid 10001 --home-dir /data shoal && mkdir -p /data && chown shoal /data
COPY --from=build /app /app
USER shoal
ENV SHOAL_REPO=/data
# libp2p swarm; the API and gateway stay on loopback inside the container unless SHOAL_API_ADDRESS / SHOAL_GATEWAY_ADDRESS say otherwise.
EXPOSE 4001
VOLUME /data
ENTRYPOINT ["dotnet", "/app/shoal.dll"]
CMD ["daemon", "--init"]
