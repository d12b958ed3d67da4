using System.ClientModel;
using System.ClientModel.Primitives;
using Anthropic;
using Microsoft.Extensions.AI;
using OpenAI;

namespace Alchemist.Synthesis.Llm;

/// <summary>
/// Where the LLM lives: the provider kind, an optional base URL, and the name of the environment variable holding the key.
/// The key itself is read from the environment at the moment a client is built and is never stored, logged or cached.
/// </summary>
/// <param name="Provider">The provider kind: one of the constants below, <see cref="OpenAi"/> to <see cref="Replay"/>.</param>
/// <param name="BaseUrl">The server's http(s) URL; null for the kind's usual one (local kinds default to their port on localhost).</param>
/// <param name="ApiKeyVariable">The environment variable holding the key; null for the kind's usual one. A variable named here must be set when the client is built.</param>
public sealed record LlmEndpoint(string Provider, string? BaseUrl = null, string? ApiKeyVariable = null)
{
    /// <summary>OpenAI's API; the key is read from OPENAI_API_KEY unless another variable is named.</summary>
    public const string OpenAi = "openai";
    /// <summary>Azure OpenAI's v1 endpoint, which needs a base URL; the key is read from AZURE_OPENAI_API_KEY unless another variable is named.</summary>
    public const string AzureOpenAi = "azure-openai";
    /// <summary>Any server that speaks OpenAI's chat API at the given base URL (required); a key is read only where a variable is named.</summary>
    public const string OpenAiCompatible = "openai-compatible";
    /// <summary>An Ollama server, by default on this machine at http://localhost:11434/v1.</summary>
    public const string Ollama = "ollama";
    /// <summary>A vLLM server, by default on this machine at http://localhost:8000/v1.</summary>
    public const string Vllm = "vllm";
    /// <summary>LM Studio's server, by default on this machine at http://localhost:1234/v1.</summary>
    public const string LmStudio = "lmstudio";
    /// <summary>Anthropic's API; the key is read from ANTHROPIC_API_KEY unless another variable is named.</summary>
    public const string Anthropic = "anthropic";
    /// <summary>No API: a person answers each prompt through files in the project's exchange folder (<see cref="ExchangeChatClient"/>).</summary>
    public const string Exchange = "exchange";
    /// <summary>No API: calls are answered only from recordings in the cache (<see cref="ReplayChatClient"/>).</summary>
    public const string Replay = "replay";

    internal static IReadOnlyList<string> Kinds { get; } = [OpenAi, AzureOpenAi, OpenAiCompatible, Ollama, Vllm, LmStudio, Anthropic, Exchange, Replay];

    internal string? EffectiveBaseUrl => BaseUrl ?? Provider switch
    {
        Ollama => "http://localhost:11434/v1",
        Vllm => "http://localhost:8000/v1",
        LmStudio => "http://localhost:1234/v1",
        _ => null,
    };

    internal string? EffectiveKeyVariable => ApiKeyVariable ?? Provider switch
    {
        OpenAi => "OPENAI_API_KEY",
        AzureOpenAi => "AZURE_OPENAI_API_KEY",
        Anthropic => "ANTHROPIC_API_KEY",
        _ => null,
    };

    /// <summary>True when the server runs on this machine (a local model costs nothing unless the spec prices it).</summary>
    public bool IsLocal => Provider is Ollama or Vllm or LmStudio
        || (EffectiveBaseUrl is { } url && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.IsLoopback);

    /// <summary>False for exchange and replay, which answer on this machine: no spending cap, concurrency limit or retries.</summary>
    public bool IsRemote => Provider is not (Exchange or Replay);

    /// <summary>
    /// The client that answers this endpoint's calls: the SDK's own IChatClient for network kinds (with the SDK's retries off,
    /// since the gateway retries), an exchange over the project's folder, or a replay of <paramref name="recordings"/>.
    /// </summary>
    public IChatClient CreateClient(ProjectLayout project, TimeSpan attemptTimeout, ResponseCache recordings) => Provider switch
    {
        Exchange => new ExchangeChatClient(project.ExchangeFolder),
        Replay => new ReplayChatClient(recordings),
        Anthropic => CreateAnthropic(attemptTimeout),
        OpenAi or AzureOpenAi or OpenAiCompatible or Ollama or Vllm or LmStudio => CreateOpenAi(attemptTimeout),
        _ => throw new SynthesisException($"unknown LLM provider '{Provider}'; expected one of {string.Join(", ", Kinds)}"),
    };

    private IChatClient CreateOpenAi(TimeSpan attemptTimeout)
    {
        var options = new OpenAIClientOptions
        {
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = attemptTimeout,
        };
        var baseUrl = EffectiveBaseUrl;
        if (Provider is AzureOpenAi or OpenAiCompatible && baseUrl is null)
        {
            throw new SynthesisException($"llm.base_url is required for provider '{Provider}' (for Azure: https://<resource>.openai.azure.com/openai/v1/)");
        }

        if (baseUrl is not null)
        {
            options.Endpoint = ParseUrl(baseUrl);
        }

        var key = ReadKey(required: Provider is OpenAi or AzureOpenAi) ?? "no-key";
        if (Provider == AzureOpenAi)
        {
            // Azure's v1 endpoint takes the key in its own header; the bearer header the SDK sends is accepted as well.
            options.AddPolicy(new HeaderPolicy("api-key", key), PipelinePosition.PerCall);
        }

        // The model id travels in each request's ChatOptions; this one only names the client.
        return new OpenAIClient(new ApiKeyCredential(key), options).GetChatClient("default").AsIChatClient();
    }

    private IChatClient CreateAnthropic(TimeSpan attemptTimeout)
    {
        var options = new global::Anthropic.Core.ClientOptions
        {
            ApiKey = ReadKey(required: true)!,
            MaxRetries = 0,
            Timeout = attemptTimeout,
        };
        if (EffectiveBaseUrl is { } baseUrl)
        {
            options.BaseUrl = ParseUrl(baseUrl).ToString().TrimEnd('/');
        }

        var client = new AnthropicClient(options);

        return client.AsIChatClient("default");
    }

    private string? ReadKey(bool required)
    {
        var variable = EffectiveKeyVariable;
        if (variable is null)
        {
            return null;
        }

        var key = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(key))
        {
            if (required || ApiKeyVariable is not null)
            {
                throw new SynthesisException($"the API key for provider '{Provider}' is read from the environment variable {variable}, which is not set");
            }

            return null;
        }

        return key.Trim();
    }

    private static Uri ParseUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new SynthesisException($"llm.base_url '{url}' is not an http(s) URL");

    private sealed class HeaderPolicy(string name, string value) : PipelinePolicy
    {
        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            message.Request.Headers.Set(name, value);
            ProcessNext(message, pipeline, currentIndex);
        }

        public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            message.Request.Headers.Set(name, value);
            return ProcessNextAsync(message, pipeline, currentIndex);
        }
    }
}
