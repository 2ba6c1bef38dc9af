using Shoal.Core;
using Xunit;

namespace Shoal.Bitswap.Tests;

public sealed class ServerTaskQueueTests
{
    private static readonly Cid SomeCid = Cid.Create(1, MulticodecCode.Raw, Multihash.Sum(MulticodecCode.Identity, "task"u8));

    [Theory]
    [InlineData(1, 3)]
    [InlineData(2, 1000)]
    [InlineData(3, 1)]
    public void Keeps_the_sorted_set_order_through_adds_and_removes(int seed, int priorities)
    {
        var random = new Random(seed);
        var reference = new SortedSet<ServerTask>(ServerTaskOrder.Instance);
        var queue = new ServerTaskQueue();
        var live = new List<ServerTask>();
        long seq = 0;
        for (int op = 0; op < 20_000; op++)
        {
            int r = random.Next(100);
            if (r < 50 || live.Count == 0)
            {
                // Mostly rising sequence numbers with falling priorities (a client's want order), some out of order.
                var task = new ServerTask(SomeCid, ServerTaskKind.SendBlock, 1, priorities - random.Next(priorities), random.Next(10) == 0 ? random.Next(1000) - 2000 + seq : seq);
                seq++;
                Assert.Equal(reference.Add(task), queue.Add(task));
                if (!live.Contains(task)) live.Add(task);
                Assert.False(queue.Add(task)); // the same task twice
            }
            else if (r < 70)
            {
                var head = queue.Min!;
                Assert.Same(reference.Min, head);
                Assert.True(queue.Remove(head));
                reference.Remove(head);
                live.Remove(head);
            }
            else if (r < 99)
            {
                var task = live[random.Next(live.Count)];
                Assert.Equal(reference.Remove(task), queue.Remove(task));
                live.Remove(task);
                Assert.False(queue.Remove(task));
            }
            else
            {
                reference.Clear();
                queue.Clear();
                live.Clear();
            }
            Assert.Equal(reference.Count, queue.Count);
            Assert.Same(reference.Min, queue.Min);
            if (op % 97 == 0)
            {
                var walked = new List<ServerTask>();
                foreach (var t in queue) walked.Add(t);
                Assert.Equal(reference, walked);
            }
        }
    }
}
