using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using YamlDotNet.RepresentationModel;

namespace Shoal.Node;

/// <summary>
/// Reads the config file (JSON or YAML), applies environment overrides, and validates. Precedence, lowest
/// first: built-in defaults, the file, environment variables, command-line flags (applied by the caller
/// through <see cref="Set"/>). Every failure is a <see cref="ConfigException"/> naming the key.
/// </summary>
public static class ConfigLoader
{
    /// <summary>Prefix of the generic override form: <c>SHOAL__Limits__MaxConnections=100</c>.</summary>
    public const string GenericEnvPrefix = "SHOAL__";

    /// <summary>Short environment variables for the keys people override most.</summary>
    public static readonly IReadOnlyDictionary<string, string> EnvAliases = new Dictionary<string, string>
    {
        ["SHOAL_API_ADDRESS"] = "Addresses.Api",
        ["SHOAL_GATEWAY_ADDRESS"] = "Addresses.Gateway",
        ["SHOAL_SWARM_ADDRESSES"] = "Addresses.Swarm",
        ["SHOAL_ANNOUNCE_ADDRESSES"] = "Addresses.Announce",
        ["SHOAL_BOOTSTRAP"] = "Bootstrap",
        ["SHOAL_DHT_MODE"] = "Dht.Mode",
        ["SHOAL_DHT_PROTOCOL"] = "Dht.ProtocolId",
        ["SHOAL_DATASTORE_KIND"] = "Datastore.Kind",
        ["SHOAL_BITSWAP_STRATEGY"] = "Bitswap.Strategy",
        ["SHOAL_OTLP_ENDPOINT"] = "Telemetry.OtlpEndpoint",
        ["SHOAL_SERVICE_NAME"] = "Telemetry.ServiceName",
        ["SHOAL_REGISTRY_LISTEN"] = "Registry.Listen",
        ["SHOAL_REGISTRY_UPSTREAM"] = "Registry.Upstream",
    };

    public static readonly string[] DhtModes = ["auto", "server", "client", "off"];
    public static readonly string[] DatastoreKinds = ["flatfs", "memory"];
    public static readonly string[] Strategies = ["shoal", "bitswap-1.2", "bitswap-1.1"];
    public static readonly string[] OtlpProtocols = ["grpc", "http/protobuf"];

    private static readonly JsonSerializerOptions ReadOptions = new()
    {
        PropertyNameCaseInsensitive = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    private static readonly JsonSerializerOptions WriteOptions = new() { WriteIndented = true };

    /// <summary>Loads <paramref name="path"/>, then environment overrides, then validates.</summary>
    public static ShoalConfig Load(string path, IDictionary? environment = null)
    {
        var config = LoadFile(path);
        ApplyEnvironment(config, environment ?? Environment.GetEnvironmentVariables());
        Validate(config);
        return config;
    }

    public static ShoalConfig LoadFile(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException("(file)", $"cannot read {path}: {e.Message}", e);
        }
        return Parse(text, IsYaml(path));
    }

    public static bool IsYaml(string path) =>
        path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);

    public static ShoalConfig Parse(string text, bool yaml)
    {
        JsonNode? node;
        if (yaml)
        {
            var stream = new YamlStream();
            try { stream.Load(new StringReader(text)); }
            catch (YamlDotNet.Core.YamlException e)
            {
                throw new ConfigException("(file)", $"invalid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.InnerException?.Message ?? e.Message}", e);
            }
            node = stream.Documents.Count == 0 ? new JsonObject() : YamlToJson(stream.Documents[0].RootNode);
        }
        else
        {
            try { node = string.IsNullOrWhiteSpace(text) ? new JsonObject() : JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
            catch (JsonException e)
            {
                throw new ConfigException("(file)", $"invalid JSON at line {e.LineNumber + 1}: {e.Message}", e);
            }
        }
        if (node is not JsonObject) throw new ConfigException("(root)", "the config file must hold an object/mapping of sections");
        try
        {
            var config = node.Deserialize<ShoalConfig>(ReadOptions) ?? new ShoalConfig();
            FillNulls(config, new ShoalConfig());
            return config;
        }
        catch (JsonException e)
        {
            var key = KeyFromPath(e.Path);
            var reason = e.Message.Contains("could not be mapped", StringComparison.Ordinal)
                ? "unknown key (see docs/config.md for the keys)"
                : $"wrong type or value ({FirstSentence(e.Message)})";
            throw new ConfigException(key, reason, e);
        }
    }

    // An explicit `Key: null` (or an empty YAML value) means "the default", never a null section or list.
    private static void FillNulls(object target, object defaults)
    {
        foreach (var property in target.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (!property.CanWrite) continue;
            var value = property.GetValue(target);
            var fallback = property.GetValue(defaults);
            if (value is null) property.SetValue(target, fallback);
            else if (fallback is not null && property.PropertyType.IsClass && property.PropertyType != typeof(string)
                     && !typeof(IEnumerable).IsAssignableFrom(property.PropertyType))
                FillNulls(value, fallback);
        }
    }

    public static string Serialize(ShoalConfig config, bool yaml)
    {
        var json = JsonSerializer.Serialize(config, WriteOptions);
        if (!yaml) return json + "\n";
        var yamlObject = new YamlDotNet.Serialization.DeserializerBuilder().Build().Deserialize<object>(json);
        return new YamlDotNet.Serialization.SerializerBuilder().Build().Serialize(yamlObject);
    }

    public static void ApplyEnvironment(ShoalConfig config, IDictionary environment)
    {
        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is not string name || entry.Value is not string value) continue;
            if (EnvAliases.TryGetValue(name, out var key)) Set(config, key, value, $"environment variable {name}");
            else if (name.StartsWith(GenericEnvPrefix, StringComparison.Ordinal) && name.Length > GenericEnvPrefix.Length)
                Set(config, name[GenericEnvPrefix.Length..].Replace("__", ".", StringComparison.Ordinal), value, $"environment variable {name}");
        }
    }

    /// <summary>Sets one key (dotted, case-insensitive) from text; lists take comma-separated values.</summary>
    public static void Set(ShoalConfig config, string key, string value, string source = "command line")
    {
        object target = config;
        var parts = key.Split('.');
        for (var i = 0; i < parts.Length; i++)
        {
            var property = target.GetType().GetProperty(parts[i], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)
                ?? throw new ConfigException(key, $"unknown key (from {source})");
            if (i < parts.Length - 1)
            {
                target = property.GetValue(target) ?? throw new ConfigException(key, $"section is null (from {source})");
                continue;
            }
            property.SetValue(target, ConvertText(property.PropertyType, value, key, source));
        }
        config.Overrides[key] = source;
    }

    private static object ConvertText(Type type, string value, string key, string source)
    {
        if (type == typeof(string)) return value;
        if (type == typeof(List<string>))
            return value.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        if (type == typeof(bool))
            return bool.TryParse(value, out var b) ? b : throw new ConfigException(key, $"'{value}' is not true or false (from {source})");
        if (type == typeof(int))
            return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : throw new ConfigException(key, $"'{value}' is not an integer (from {source})");
        if (type == typeof(long))
            return long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? l : throw new ConfigException(key, $"'{value}' is not an integer (from {source})");
        throw new ConfigException(key, $"is a section, not a value (from {source})");
    }

    /// <summary>Checks every key; the error names the key, and the variable or flag that set it when not the file.</summary>
    public static void Validate(ShoalConfig c)
    {
        try
        {
            ValidateValues(c);
        }
        catch (ConfigException e) when (c.Overrides.TryGetValue(StripIndex(e.Key), out var source))
        {
            throw new ConfigException(e.Key, $"{e.Message[(e.Message.IndexOf(": ", StringComparison.Ordinal) + 2)..]} (set by {source})", e);
        }
    }

    private static string StripIndex(string key) => key.IndexOf('[') is var i and >= 0 ? key[..i] : key;

    private static void ValidateValues(ShoalConfig c)
    {
        foreach (var (i, address) in c.Addresses.Swarm.Index()) RequireMultiaddr($"Addresses.Swarm[{i}]", address);
        foreach (var (i, address) in c.Addresses.Announce.Index()) RequireMultiaddr($"Addresses.Announce[{i}]", address);
        foreach (var (i, address) in c.Bootstrap.Index())
        {
            RequireMultiaddr($"Bootstrap[{i}]", address);
            if (!address.Contains("/p2p/", StringComparison.Ordinal) && !address.Contains("/ipfs/", StringComparison.Ordinal))
                throw new ConfigException($"Bootstrap[{i}]", $"'{address}' must end with /p2p/<peer id> so the peer can be authenticated");
        }
        RequireEndpoint("Addresses.Api", c.Addresses.Api, allowEmpty: false);
        RequireEndpoint("Addresses.Gateway", c.Addresses.Gateway, allowEmpty: true);
        RequireOneOf("Dht.Mode", c.Dht.Mode, DhtModes);
        if (!c.Dht.ProtocolId.StartsWith('/')) throw new ConfigException("Dht.ProtocolId", $"'{c.Dht.ProtocolId}' must start with '/' (e.g. /ipfs/kad/1.0.0)");
        RequirePositive("Dht.FindProvidersTimeoutSeconds", c.Dht.FindProvidersTimeoutSeconds);
        RequireOneOf("Datastore.Kind", c.Datastore.Kind, DatastoreKinds);
        if (string.IsNullOrWhiteSpace(c.Datastore.Path)) throw new ConfigException("Datastore.Path", "must not be empty");
        if (c.Datastore.StorageMax < 0) throw new ConfigException("Datastore.StorageMax", "must be 0 (no cap) or a positive byte count");
        RequirePositive("Limits.MaxConnections", c.Limits.MaxConnections);
        RequirePositive("Limits.MaxStreamsPerConnection", c.Limits.MaxStreamsPerConnection);
        RequirePositive("Limits.MaxWantlistSize", c.Limits.MaxWantlistSize);
        RequirePositive("Limits.MaxOutstandingBytesPerPeer", c.Limits.MaxOutstandingBytesPerPeer);
        if (c.Bitswap.MaxUploadBytesPerSecond < 0) throw new ConfigException("Bitswap.MaxUploadBytesPerSecond", "must be 0 (no cap) or a positive byte rate");
        if (c.Bitswap.MaxDownloadBytesPerSecond < 0) throw new ConfigException("Bitswap.MaxDownloadBytesPerSecond", "must be 0 (no cap) or a positive byte rate");
        RequirePositive("Limits.MaxBlockSize", c.Limits.MaxBlockSize);
        if (c.Limits.MaxBlockSize > 4 * 1024 * 1024) throw new ConfigException("Limits.MaxBlockSize", "must be at most 4194304 (libp2p message limit)");
        RequireOneOf("Bitswap.Strategy", c.Bitswap.Strategy, Strategies);
        RequirePositive("Bitswap.FetchTimeoutSeconds", c.Bitswap.FetchTimeoutSeconds);
        RequirePositive("Gateway.NotFoundTimeoutSeconds", c.Gateway.NotFoundTimeoutSeconds);
        RequireEndpoint("Registry.Listen", c.Registry.Listen, allowEmpty: true);
        if (c.Registry.Upstream.Length > 0 && !IsHttpUrl(c.Registry.Upstream))
            throw new ConfigException("Registry.Upstream", $"'{c.Registry.Upstream}' is not an http(s) URL");
        if (c.Telemetry.OtlpEndpoint.Length > 0 && !IsHttpUrl(c.Telemetry.OtlpEndpoint))
            throw new ConfigException("Telemetry.OtlpEndpoint", $"'{c.Telemetry.OtlpEndpoint}' is not an http(s) URL (e.g. http://127.0.0.1:4317)");
        RequireOneOf("Telemetry.OtlpProtocol", c.Telemetry.OtlpProtocol, OtlpProtocols);
        if (string.IsNullOrWhiteSpace(c.Identity.KeyFile)) throw new ConfigException("Identity.KeyFile", "must not be empty");
    }

    private static bool IsHttpUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    private static void RequireMultiaddr(string key, string text)
    {
        if (!Shoal.Net.Multiaddr.TryParse(text, out _))
            throw new ConfigException(key, $"'{text}' is not a multiaddr (e.g. /ip4/0.0.0.0/tcp/4001)");
    }

    private static void RequireEndpoint(string key, string text, bool allowEmpty)
    {
        if (text.Length == 0 && allowEmpty) return;
        if (!ListenEndpoint.TryParse(text, out _, out var error)) throw new ConfigException(key, error);
    }

    private static void RequireOneOf(string key, string value, string[] allowed)
    {
        if (!allowed.Contains(value, StringComparer.Ordinal))
            throw new ConfigException(key, $"'{value}' is not one of: {string.Join(", ", allowed)}");
    }

    private static void RequirePositive(string key, long value)
    {
        if (value <= 0) throw new ConfigException(key, $"must be a positive number, got {value}");
    }

    private static string KeyFromPath(string? path)
    {
        if (string.IsNullOrEmpty(path)) return "(root)";
        var key = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        return key.Length == 0 ? "(root)" : key;
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..end];
    }

    private static JsonNode? YamlToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv =>
            KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? "", YamlToJson(kv.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(YamlToJson).ToArray()),
        YamlScalarNode scalar => ScalarToJson(scalar),
        _ => null,
    };

    // Plain (unquoted) scalars carry YAML's core types; quoted ones are always strings.
    private static JsonNode? ScalarToJson(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is not YamlDotNet.Core.ScalarStyle.Plain) return JsonValue.Create(text);
        if (text is "" or "~" or "null" or "Null" or "NULL") return null;
        if (text is "true" or "True" or "TRUE") return JsonValue.Create(true);
        if (text is "false" or "False" or "FALSE") return JsonValue.Create(false);
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l)) return JsonValue.Create(l);
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return JsonValue.Create(d);
        return JsonValue.Create(text);
    }
}
