using Alchemist.Spec;

namespace Alchemist.Synthesis.Llm;

/// <summary>
/// Prices per model: built-in list prices for common OpenAI and Anthropic models, overridden by the spec's own table.
/// A model id matches the longest listed prefix, so dated snapshots ("claude-sonnet-4-5-20250929", "gpt-4o-2024-08-06")
/// take their family's price. Each call is priced at its own model's rate.
/// </summary>
public sealed class PriceTable
{
    /// <summary>List prices (USD per million tokens, standard tier, no caching discounts) as published by the vendors in 2025.</summary>
    public static IReadOnlyDictionary<string, ModelPrice> Defaults { get; } = new Dictionary<string, ModelPrice>(StringComparer.OrdinalIgnoreCase)
    {
        ["gpt-5"] = new(1.25m, 10m),
        ["gpt-5-mini"] = new(0.25m, 2m),
        ["gpt-5-nano"] = new(0.05m, 0.40m),
        ["gpt-4.1"] = new(2m, 8m),
        ["gpt-4.1-mini"] = new(0.40m, 1.60m),
        ["gpt-4.1-nano"] = new(0.10m, 0.40m),
        ["gpt-4o"] = new(2.50m, 10m),
        ["gpt-4o-mini"] = new(0.15m, 0.60m),
        ["gpt-4-turbo"] = new(10m, 30m),
        ["gpt-3.5-turbo"] = new(0.50m, 1.50m),
        ["o1"] = new(15m, 60m),
        ["o3"] = new(2m, 8m),
        ["o3-mini"] = new(1.10m, 4.40m),
        ["o4-mini"] = new(1.10m, 4.40m),
        ["claude-opus-4-5"] = new(5m, 25m),
        ["claude-opus-4-1"] = new(15m, 75m),
        ["claude-opus-4"] = new(15m, 75m),
        ["claude-sonnet-4-5"] = new(3m, 15m),
        ["claude-sonnet-4"] = new(3m, 15m),
        ["claude-3-7-sonnet"] = new(3m, 15m),
        ["claude-3-5-sonnet"] = new(3m, 15m),
        ["claude-haiku-4-5"] = new(1m, 5m),
        ["claude-3-5-haiku"] = new(0.80m, 4m),
        ["claude-3-haiku"] = new(0.25m, 1.25m),
        ["claude-3-opus"] = new(15m, 75m),
    };

    private readonly Dictionary<string, ModelPrice> _prices;

    /// <summary>The built-in <see cref="Defaults"/>, with <paramref name="overrides"/> (model id to price, such as the spec's prices) replacing or adding entries.</summary>
    public PriceTable(IReadOnlyDictionary<string, ModelPrice>? overrides = null)
    {
        _prices = new Dictionary<string, ModelPrice>(Defaults, StringComparer.OrdinalIgnoreCase);
        if (overrides is not null)
        {
            foreach (var (model, price) in overrides)
            {
                _prices[model] = price;
            }
        }
    }

    /// <summary>The price of a model, or null when neither the spec nor the built-in list knows it.</summary>
    public ModelPrice? TryFind(string model)
    {
        if (_prices.TryGetValue(model, out var exact))
        {
            return exact;
        }

        // Strip a provider prefix such as "openai/gpt-4o" or "anthropic/claude-..." (OpenRouter-style names).
        var bare = model.Contains('/', StringComparison.Ordinal) ? model[(model.LastIndexOf('/') + 1)..] : model;
        ModelPrice? best = null;
        var bestLength = 0;
        foreach (var (name, price) in _prices)
        {
            if (name.Length > bestLength && bare.StartsWith(name, StringComparison.OrdinalIgnoreCase)
                && (bare.Length == name.Length || bare[name.Length] is '-' or '@' or ':' or '.'))
            {
                best = price;
                bestLength = name.Length;
            }
        }

        return best;
    }

    /// <summary>The price of a model as <see cref="TryFind"/> finds it; an unknown model throws <see cref="SynthesisException"/> saying how to price it.</summary>
    public ModelPrice Find(string model) =>
        TryFind(model) ?? throw new SynthesisException(
            $"no price is known for model '{model}': add it to alchemist.yaml under prices (input and output US dollars per million tokens)");
}
