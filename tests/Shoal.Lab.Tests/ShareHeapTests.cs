using Shoal.Lab.Simulation;
using Xunit;

namespace Shoal.Lab.Tests;

public sealed class ShareHeapTests
{
    [Theory]
    [InlineData(1, 3)]
    [InlineData(2, 50)]
    [InlineData(3, 100_000)]
    public void Pops_ties_in_the_runtime_priority_queue_order(int seed, int distinctShares)
    {
        // Few distinct shares force many ties: the order among equal shares must be the runtime queue's, bit for bit.
        var random = new Random(seed);
        var shares = Enumerable.Range(0, distinctShares).Select(i => i switch
        {
            0 => double.PositiveInfinity,
            1 => 0.0,
            2 => -0.0,
            3 => double.NaN,
            _ => random.NextDouble() * 1e9,
        }).ToArray();
        var reference = new PriorityQueue<(int Item, int Version), double>();
        var heap = new ShareHeap();
        var next = 0;
        var popped = 0;
        for (var op = 0; op < 200_000; op++)
        {
            var r = random.Next(100);
            if (r < 55)
            {
                var share = shares[random.Next(shares.Length)];
                reference.Enqueue((next, next % 7), share);
                heap.Enqueue(share, next, next % 7);
                next++;
            }
            else if (r < 99)
            {
                var had = reference.TryDequeue(out var expected, out var expectedShare);
                Assert.Equal(had, heap.TryDequeue(out var item, out var version, out var share));
                if (!had) continue;
                Assert.Equal(expected, (item, version));
                Assert.Equal(BitConverter.DoubleToInt64Bits(expectedShare), BitConverter.DoubleToInt64Bits(share));
                popped++;
            }
            else
            {
                reference.Clear();
                heap.Clear();
            }
            Assert.Equal(reference.Count, heap.Count);
        }
        Assert.True(popped > 50_000);
    }
}
