using System.Globalization;

namespace Shoal.Lab.Definitions;

/// <summary>Parses the human units used in definitions: sizes ("300MiB"), rates ("1Gbit") and durations ("5ms").</summary>
public static class Quantity
{
    /// <summary>Bytes from "4096", "256KiB", "300MiB", "1GiB", "10MB" (SI) or "2GB".</summary>
    public static bool TryParseBytes(string text, out long bytes)
    {
        bytes = 0;
        if (!Split(text, out var number, out var unit)) return false;
        double factor = unit.ToLowerInvariant() switch
        {
            "" or "b" => 1,
            "k" or "kb" => 1e3,
            "m" or "mb" => 1e6,
            "g" or "gb" => 1e9,
            "t" or "tb" => 1e12,
            "kib" => 1024.0,
            "mib" => 1024.0 * 1024,
            "gib" => 1024.0 * 1024 * 1024,
            "tib" => 1024.0 * 1024 * 1024 * 1024,
            _ => double.NaN,
        };
        if (double.IsNaN(factor)) return false;
        var value = number * factor;
        if (value < 0 || value > long.MaxValue / 2) return false;
        bytes = (long)Math.Round(value);
        return true;
    }

    /// <summary>Bytes per second from "1Gbit", "100Mbit/s", "10Gbps", "125MB/s" or "125MiB/s".</summary>
    public static bool TryParseRate(string text, out double bytesPerSecond)
    {
        bytesPerSecond = 0;
        if (!Split(text, out var number, out var unit)) return false;
        var u = unit.ToLowerInvariant();
        if (u.EndsWith("/s", StringComparison.Ordinal)) u = u[..^2];
        else if (u.EndsWith("ps", StringComparison.Ordinal)) u = u[..^2] + "it";
        double factor = u switch
        {
            "bit" => 1 / 8.0,
            "kbit" => 1e3 / 8,
            "mbit" => 1e6 / 8,
            "gbit" => 1e9 / 8,
            "tbit" => 1e12 / 8,
            "b" => 1,
            "kb" => 1e3,
            "mb" => 1e6,
            "gb" => 1e9,
            "kib" => 1024.0,
            "mib" => 1024.0 * 1024,
            "gib" => 1024.0 * 1024 * 1024,
            _ => double.NaN,
        };
        if (double.IsNaN(factor) || number <= 0) return false;
        bytesPerSecond = number * factor;
        return true;
    }

    /// <summary>A duration from "5ms", "1.5s", "250us", "2m", "0".</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        if (!Split(text, out var number, out var unit)) return false;
        double seconds = unit.ToLowerInvariant() switch
        {
            "ns" => number / 1e9,
            "us" or "µs" => number / 1e6,
            "ms" => number / 1e3,
            "s" => number,
            "m" or "min" => number * 60,
            "h" => number * 3600,
            "" when number == 0 => 0,
            _ => double.NaN,
        };
        if (double.IsNaN(seconds) || seconds < 0) return false;
        duration = TimeSpan.FromTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));
        return true;
    }

    /// <summary>"1Gbit" style text for a rate in bytes per second.</summary>
    public static string FormatRate(double bytesPerSecond)
    {
        var bits = bytesPerSecond * 8;
        return bits >= 1e9 ? $"{bits / 1e9:0.###}Gbit" : bits >= 1e6 ? $"{bits / 1e6:0.###}Mbit" : $"{bits / 1e3:0.###}Kbit";
    }

    /// <summary>"300 MiB" style text for a byte count.</summary>
    public static string FormatBytes(double bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        var i = 0;
        while (Math.Abs(bytes) >= 1024 && i < units.Length - 1) { bytes /= 1024; i++; }
        return i == 0 ? $"{bytes:0} B" : $"{bytes:0.##} {units[i]}";
    }

    private static bool Split(string text, out double number, out string unit)
    {
        number = 0; unit = "";
        var t = text.Trim();
        var end = 0;
        while (end < t.Length && (char.IsDigit(t[end]) || t[end] == '.' || (end == 0 && t[end] == '-'))) end++;
        if (end == 0) return false;
        if (!double.TryParse(t.AsSpan(0, end), NumberStyles.Float, CultureInfo.InvariantCulture, out number)) return false;
        unit = t[end..].Trim();
        return true;
    }
}
