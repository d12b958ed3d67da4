// Attempts: awaits a delay inside an async helper.
// Must be rejected at verify time.
// expect: verify "'async' is not allowed"

using System.Threading.Tasks;

public static int Label(string text) => Helper(text).GetAwaiter().GetResult();

static async Task<int> Helper(string text)
{
    await Task.Delay(10);
    return 1;
}
