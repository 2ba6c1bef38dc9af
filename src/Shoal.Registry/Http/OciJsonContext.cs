using System.Text.Json.Serialization;

namespace Shoal.Registry;

[JsonSerializable(typeof(OciError.ErrorList))]
[JsonSerializable(typeof(TokenResponse))]
internal sealed partial class OciJsonContext : JsonSerializerContext;
