using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Alchemist.Synthesis.Tests;

/// <summary>
/// An OpenAI- and Anthropic-compatible chat server on 127.0.0.1 with a random port, started by a test. It answers from a
/// script (status codes to return first, then replies) and records every request it saw, so tests can check the wire format,
/// retries and the ledger's token counts against what the server reported.
/// </summary>
public sealed class LoopbackLlmServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<int> _failures = new();
    private readonly Func<JsonObject, string> _answer;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _served;

    public LoopbackLlmServer(Func<JsonObject, string>? answer = null)
    {
        _answer = answer ?? (_ => "Here you go.\n```csharp\npublic static int Label(string text) => text.Contains(\"free\") ? 1 : -1;\n```");
        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort();
            _listener.Prefixes.Clear();
            _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                _listener.Start();
                BaseUrl = $"http://127.0.0.1:{port}";
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
            }
        }

        _loop = Task.Run(ServeAsync);
    }

    public string BaseUrl { get; private set; } = "";

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>Usage the server reported, per request, in order: (input tokens, output tokens).</summary>
    public ConcurrentQueue<(int Input, int Output)> ReportedUsage { get; } = new();

    /// <summary>Answers that completed with status 200.</summary>
    public int Served => Volatile.Read(ref _served);

    /// <summary>Makes the next requests fail with these statuses, in order, before answering normally again.</summary>
    public void FailNext(params int[] statuses)
    {
        foreach (var status in statuses)
        {
            _failures.Enqueue(status);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (Exception)
        {
        }

        try
        {
            _listener.Close();
        }
        catch (HttpListenerException)
        {
            // The managed listener looks its port up again to remove the prefix; when another test's listener has just
            // taken or left a port that moment, that lookup can fail ("Address already in use"). The test is over either way.
        }

        _stop.Dispose();
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (HttpListenerException)
            {
                return;
            }

            _ = Task.Run(() => Handle(context));
        }
    }

    private void Handle(HttpListenerContext context)
    {
        string body;
        using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8))
        {
            body = reader.ReadToEnd();
        }

        var headers = context.Request.Headers.AllKeys.Where(k => k is not null)
            .ToDictionary(k => k!, k => context.Request.Headers[k] ?? "", StringComparer.OrdinalIgnoreCase);
        var path = context.Request.Url!.AbsolutePath;
        Requests.Enqueue(new RecordedRequest(path, headers, body));
        var json = JsonNode.Parse(body)!.AsObject();
        var anthropic = path.EndsWith("/messages", StringComparison.Ordinal);

        if (_failures.TryDequeue(out var status))
        {
            var error = anthropic
                ? new JsonObject
                {
                    ["type"] = "error",
                    ["error"] = new JsonObject { ["type"] = status == 429 ? "rate_limit_error" : "api_error", ["message"] = $"scripted failure {status}" },
                }
                : new JsonObject
                {
                    ["error"] = new JsonObject { ["message"] = $"scripted failure {status}", ["type"] = "server_error", ["code"] = null },
                };
            if (status == 429)
            {
                context.Response.AddHeader("retry-after", "0");
            }

            Write(context, status, error.ToJsonString());
            return;
        }

        var text = _answer(json);
        var input = 100 + (Encoding.UTF8.GetByteCount(body) / 10);
        var output = 7 + (text.Length / 5);
        ReportedUsage.Enqueue((input, output));
        var model = json["model"]!.GetValue<string>();
        var reply = anthropic
            ? new JsonObject
            {
                ["id"] = "msg_loopback",
                ["type"] = "message",
                ["role"] = "assistant",
                ["model"] = model,
                ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = text }),
                ["stop_reason"] = "end_turn",
                ["stop_sequence"] = null,
                ["usage"] = new JsonObject { ["input_tokens"] = input, ["output_tokens"] = output },
            }
            : new JsonObject
            {
                ["id"] = "chatcmpl-loopback",
                ["object"] = "chat.completion",
                ["created"] = 1_700_000_000,
                ["model"] = model + "-2025-01-01",
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = text },
                    ["finish_reason"] = "stop",
                }),
                ["usage"] = new JsonObject { ["prompt_tokens"] = input, ["completion_tokens"] = output, ["total_tokens"] = input + output },
            };
        Write(context, 200, reply.ToJsonString());
        Interlocked.Increment(ref _served);
    }

    private static void Write(HttpListenerContext context, int status, string json)
    {
        try
        {
            var bytes = Encoding.UTF8.GetBytes(json);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength64 = bytes.Length;
            context.Response.OutputStream.Write(bytes);
            context.Response.Close();
        }
        catch (HttpListenerException)
        {
            // The client gave up (a cancelled call); nothing to answer.
        }
    }
}

public sealed record RecordedRequest(string Path, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public JsonObject Json => JsonNode.Parse(Body)!.AsObject();
}
