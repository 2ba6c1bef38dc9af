using System.Text;
using Shoal.Net;

namespace Shoal.Dht;

/// <summary>
/// Saves and loads a <see cref="ProviderStore"/> as one binary file in a directory. Writes are atomic (temp file,
/// flush to disk, rename), so a crash leaves either the old file or the new one. A corrupt file is reported, not
/// half-loaded.
/// </summary>
public static class ProviderStoreFile
{
    /// <summary>Name of the file inside the data directory.</summary>
    public const string FileName = "dht-providers.bin";

    private const uint Magic = 0x50444853; // "SHDP" little-endian
    private const int Version = 1;

    /// <summary>Largest file accepted on load: the default store bound (1 M records of ~200 bytes) with headroom.</summary>
    public const long MaxFileSize = 1L << 30;

    /// <summary>Writes the store to its file in <paramref name="directory"/> and marks it clean.</summary>
    public static void Save(ProviderStore store, string directory)
    {
        var snapshot = Snapshot(store);
        Write(snapshot, directory);
    }

    /// <summary>A copy of the store's contents (take it under the owner's lock, then <see cref="Write"/> outside it).</summary>
    public static ProviderStoreSnapshot Snapshot(ProviderStore store)
    {
        var records = new List<KeyValuePair<ContentKey, ProviderRecord>>(store.RecordCount);
        records.AddRange(store.AllRecords());
        var locals = new List<KeyValuePair<ContentKey, DateTimeOffset>>(store.LocalKeys);
        store.MarkClean();
        return new ProviderStoreSnapshot(records, locals);
    }

    /// <summary>Writes a snapshot atomically: temp file, flush to disk, rename over the old file.</summary>
    public static void Write(ProviderStoreSnapshot snapshot, string directory)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, FileName);
        string temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(Version);
            writer.Write(snapshot.Records.Count);
            foreach (var (key, record) in snapshot.Records)
            {
                WriteBytes(writer, key.Bytes.Span);
                WriteBytes(writer, record.Provider.Bytes.Span);
                writer.Write(record.ReceivedAt.UtcTicks);
                writer.Write(record.AddressesExpireAt.UtcTicks);
                writer.Write(record.Addresses.Count);
                foreach (var address in record.Addresses)
                {
                    WriteBytes(writer, address.ToBytes());
                }
            }
            writer.Write(snapshot.LocalKeys.Count);
            foreach (var (key, announced) in snapshot.LocalKeys)
            {
                WriteBytes(writer, key.Bytes.Span);
                writer.Write(announced.UtcTicks);
            }
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>
    /// Loads records into <paramref name="store"/>, dropping expired ones. Returns false when there is no file.
    /// Throws <see cref="InvalidDataException"/> when the file is corrupt.
    /// </summary>
    public static bool Load(ProviderStore store, string directory, DateTimeOffset now)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return false;
        }
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        if (stream.Length > MaxFileSize)
        {
            throw new InvalidDataException($"Provider store file {path} is {stream.Length} bytes, more than {MaxFileSize}.");
        }
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            if (reader.ReadUInt32() != Magic || reader.ReadInt32() != Version)
            {
                throw new InvalidDataException($"{path} is not a Shoal provider store file of version {Version}.");
            }
            int records = ReadCount(reader, int.MaxValue);
            for (int i = 0; i < records; i++)
            {
                var key = new ContentKey(ReadBytes(reader, DhtConstants.MaxKeyLength));
                var provider = PeerId.FromBytes(ReadBytes(reader, DhtConstants.MaxPeerIdLength));
                var received = new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero);
                var addressesExpire = new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero);
                int addressCount = ReadCount(reader, DhtConstants.MaxAddressesPerPeer);
                var addresses = new List<Multiaddr>(addressCount);
                for (int a = 0; a < addressCount; a++)
                {
                    addresses.Add(Multiaddr.FromBytes(ReadBytes(reader, DhtConstants.MaxAddressLength)));
                }
                if (now - received < store.Validity)
                {
                    store.Add(key, new ProviderRecord(provider, addresses, received, addressesExpire));
                }
            }
            int locals = ReadCount(reader, int.MaxValue);
            for (int i = 0; i < locals; i++)
            {
                var key = new ContentKey(ReadBytes(reader, DhtConstants.MaxKeyLength));
                store.AddLocal(key, new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero));
            }
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or ArgumentException)
        {
            throw new InvalidDataException($"Provider store file {path} is corrupt at byte {stream.Position}: {e.Message}", e);
        }
        store.MarkClean();
        return true;
    }

    private static void WriteBytes(BinaryWriter writer, ReadOnlySpan<byte> bytes)
    {
        writer.Write7BitEncodedInt(bytes.Length);
        writer.Write(bytes);
    }

    private static int ReadCount(BinaryReader reader, int max)
    {
        int count = reader.ReadInt32();
        if (count < 0 || count > max)
        {
            throw new FormatException($"count {count} outside 0..{max}");
        }
        return count;
    }

    private static byte[] ReadBytes(BinaryReader reader, int max)
    {
        int length = reader.Read7BitEncodedInt();
        if (length < 0 || length > max)
        {
            throw new FormatException($"length {length} outside 0..{max}");
        }
        byte[] bytes = reader.ReadBytes(length);
        if (bytes.Length != length)
        {
            throw new EndOfStreamException();
        }
        return bytes;
    }
}
