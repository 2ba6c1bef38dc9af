namespace Shoal.Node.Tests;

public class ConfigLoaderTests
{
    [Fact]
    public void Defaults_are_valid_and_bind_api_and_gateway_to_loopback()
    {
        var config = new ShoalConfig();
        ConfigLoader.Validate(config);
        Assert.True(ListenEndpoint.Parse(config.Addresses.Api).IsLoopback);
        Assert.True(ListenEndpoint.Parse(config.Addresses.Gateway).IsLoopback);
    }

    [Fact]
    public void Yaml_and_json_files_give_the_same_config()
    {
        var yaml = ConfigLoader.Parse("Addresses:\n  Api: 127.0.0.1:7001\n  Swarm: [/ip4/127.0.0.1/tcp/0]\nLimits:\n  MaxConnections: 33\nDht:\n  Mode: client\nGateway:\n  FetchMissing: false\n", yaml: true);
        var json = ConfigLoader.Parse("""{"addresses": {"api": "127.0.0.1:7001", "swarm": ["/ip4/127.0.0.1/tcp/0"]}, "Limits": {"MaxConnections": 33}, "Dht": {"Mode": "client"}, "Gateway": {"FetchMissing": false}}""", yaml: false);
        foreach (var c in new[] { yaml, json })
        {
            Assert.Equal("127.0.0.1:7001", c.Addresses.Api);
            Assert.Equal(["/ip4/127.0.0.1/tcp/0"], c.Addresses.Swarm);
            Assert.Equal(33, c.Limits.MaxConnections);
            Assert.Equal("client", c.Dht.Mode);
            Assert.False(c.Gateway.FetchMissing);
            Assert.Equal(new LimitsConfig().MaxWantlistSize, c.Limits.MaxWantlistSize);
        }
    }

    [Fact]
    public void Unknown_key_is_named_in_the_error()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("Limits:\n  MaxConections: 3\n", yaml: true));
        Assert.Equal("Limits.MaxConections", e.Key);
        Assert.Contains("unknown key", e.Message);
    }

    [Fact]
    public void Wrong_type_is_named_in_the_error()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("""{"Limits": {"MaxStreamsPerConnection": "lots"}}""", yaml: false));
        Assert.Equal("Limits.MaxStreamsPerConnection", e.Key);
    }

    [Theory]
    [InlineData("Addresses.Api", "nope")]
    [InlineData("Addresses.Gateway", "127.0.0.1:99999")]
    [InlineData("Dht.Mode", "sometimes")]
    [InlineData("Datastore.Kind", "leveldb")]
    [InlineData("Bitswap.Strategy", "bitswap-9")]
    [InlineData("Limits.MaxOutstandingBytesPerPeer", "0")]
    [InlineData("Telemetry.OtlpEndpoint", "not a url")]
    [InlineData("Registry.Listen", "localhost")]
    public void Invalid_value_is_rejected_naming_the_key(string key, string value)
    {
        var config = new ShoalConfig();
        ConfigLoader.Set(config, key, value);
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Validate(config));
        Assert.Equal(key, e.Key);
        Assert.Contains(key, e.Message);
    }

    [Fact]
    public void Bootstrap_peer_without_peer_id_is_rejected()
    {
        var config = new ShoalConfig { Bootstrap = ["/ip4/127.0.0.1/tcp/4001"] };
        Assert.Equal("Bootstrap[0]", Assert.Throws<ConfigException>(() => ConfigLoader.Validate(config)).Key);
    }

    [Fact]
    public void Environment_overrides_the_file()
    {
        var config = ConfigLoader.Parse("Addresses:\n  Api: 127.0.0.1:7001\n", yaml: true);
        ConfigLoader.ApplyEnvironment(config, new Dictionary<string, string>
        {
            ["SHOAL_API_ADDRESS"] = "127.0.0.1:7002",
            ["SHOAL__Limits__MaxConnections"] = "77",
            ["SHOAL_SWARM_ADDRESSES"] = "/ip4/127.0.0.1/tcp/1,/ip4/127.0.0.1/tcp/2",
            ["UNRELATED"] = "x",
        });
        Assert.Equal("127.0.0.1:7002", config.Addresses.Api);
        Assert.Equal(77, config.Limits.MaxConnections);
        Assert.Equal(["/ip4/127.0.0.1/tcp/1", "/ip4/127.0.0.1/tcp/2"], config.Addresses.Swarm);
    }

    [Fact]
    public void Bad_environment_value_names_the_key_and_the_variable()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.ApplyEnvironment(new ShoalConfig(),
            new Dictionary<string, string> { ["SHOAL__Limits__MaxConnections"] = "many" }));
        Assert.Equal("Limits.MaxConnections", e.Key);
        Assert.Contains("SHOAL__Limits__MaxConnections", e.Message);
    }

    [Fact]
    public void Serialized_config_reads_back_equal_in_both_formats()
    {
        var config = new ShoalConfig();
        config.Limits.MaxConnections = 5;
        config.Bootstrap = ["/ip4/10.0.0.1/tcp/4001/p2p/12D3KooWExample"];
        foreach (var yaml in new[] { true, false })
        {
            var back = ConfigLoader.Parse(ConfigLoader.Serialize(config, yaml), yaml);
            Assert.Equal(5, back.Limits.MaxConnections);
            Assert.Equal(config.Bootstrap, back.Bootstrap);
            Assert.Equal(config.Addresses.Api, back.Addresses.Api);
        }
    }

    [Theory]
    [InlineData("127.0.0.1:5001", "127.0.0.1", 5001)]
    [InlineData("/ip4/127.0.0.1/tcp/0", "127.0.0.1", 0)]
    [InlineData("[::1]:8080", "::1", 8080)]
    [InlineData("/ip6/::1/tcp/8080", "::1", 8080)]
    [InlineData("localhost:1", "127.0.0.1", 1)]
    public void Listen_endpoints_parse_in_both_forms(string text, string address, int port)
    {
        var e = ListenEndpoint.Parse(text);
        Assert.Equal(address, e.Address.ToString());
        Assert.Equal(port, e.Port);
    }
}
