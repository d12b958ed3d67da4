using System.Globalization;
using Alchemist.Labeling;
using Alchemist.Synthesis.Llm;
using Alchemist.Synthesis.Prompts;

namespace Alchemist.Synthesis.Engine;

/// <summary>
/// A request for a program beyond the first synthesis, made because the programs, applied, fall short on the valid split.
/// It goes through the same gateway (cache, ledger, spending cap), checks and repairs as every other program, and its
/// program is written beside them. Each kind of shortfall is a subclass with its own prompt: the first is a class that no
/// program labels well (<see cref="ClassFollowUp"/>); rows the programs get wrong or disagree on can join the same way.
/// </summary>
public abstract record FollowUpRequest
{
    /// <summary>The program's name (its file is programs/&lt;name&gt;.cs).</summary>
    public required string Name { get; init; }

    /// <summary>What fell short, in words the log and the prompt both use.</summary>
    public required string Reason { get; init; }

    /// <summary>The conversation that asks for the program.</summary>
    public abstract IReadOnlyList<LlmMessage> Prompt(PromptBuilder prompts);
}

/// <summary>
/// Asks for a program that recognizes one class, which no program votes for or whose programs' votes on valid are right
/// no more often than the class's share of valid. Examples of the class from valid go along only where the spec lets rows
/// into prompts (synthesis.rows_in_prompts).
/// </summary>
/// <param name="Class">The class's index in the task's classes.</param>
/// <param name="Examples">Texts of valid rows of the class to show the LLM, chosen by the caller (up to <see cref="MaxExamples"/>); empty where rows may not go into prompts.</param>
public sealed record ClassFollowUp(int Class, IReadOnlyList<string> Examples) : FollowUpRequest
{
    /// <summary>Examples of the class a follow-up prompt shows at most.</summary>
    public const int MaxExamples = 8;

    /// <inheritdoc/>
    public override IReadOnlyList<LlmMessage> Prompt(PromptBuilder prompts) => prompts.ClassFollowUp(Class, Reason, Examples);

    /// <summary>
    /// The classes the programs leave weak on valid, in class order: those no program votes for on any row of valid or
    /// train, and those where no program that votes for them is right more often than the class's share of the valid
    /// gold (its prior), so its votes say nothing a trivial guess would not. Classes absent from valid's gold are skipped.
    /// </summary>
    /// <param name="validVotes">The programs' votes on the valid split, one column per program.</param>
    /// <param name="trainVotes">The same programs' votes on train, which tell a class voted only there from one never voted.</param>
    /// <param name="validGold">Valid's gold class of each row, negative where a row has none.</param>
    /// <param name="classNames">The task's class names, in class order.</param>
    /// <param name="examplesOf">Examples of a class to show the LLM (texts of valid rows of that class), or none.</param>
    public static IReadOnlyList<ClassFollowUp> Plan(
        LabelMatrix validVotes,
        LabelMatrix trainVotes,
        IReadOnlyList<int> validGold,
        IReadOnlyList<string> classNames,
        Func<int, IReadOnlyList<string>>? examplesOf = null)
    {
        var classes = classNames.Count;
        var labeled = validGold.Count(g => g >= 0);
        if (labeled == 0)
        {
            return [];
        }

        var goldCount = new int[classes];
        foreach (var g in validGold)
        {
            if (g >= 0)
            {
                goldCount[g]++;
            }
        }

        // Per program and class: valid rows with gold where it votes that class, and how many of those are of that class.
        var fires = new int[validVotes.Programs, classes];
        var right = new int[validVotes.Programs, classes];
        for (var j = 0; j < validVotes.Programs; j++)
        {
            var column = validVotes.Column(j);
            for (var r = 0; r < column.Length; r++)
            {
                if (column[r] >= 0 && validGold[r] >= 0)
                {
                    fires[j, column[r]]++;
                    right[j, column[r]] += column[r] == validGold[r] ? 1 : 0;
                }
            }
        }

        var votedOnTrain = new bool[classes];
        for (var j = 0; j < trainVotes.Programs; j++)
        {
            foreach (var vote in trainVotes.Column(j))
            {
                if (vote >= 0)
                {
                    votedOnTrain[vote] = true;
                }
            }
        }

        var slugs = ProgramNames.ClassSlugs(classNames);
        var requests = new List<ClassFollowUp>();
        for (var c = 0; c < classes; c++)
        {
            if (goldCount[c] == 0)
            {
                // A class valid has no gold for yet (one just added or split off) still needs programs, if none votes it.
                if (!votedOnTrain[c] && Enumerable.Range(0, validVotes.Programs).All(j => fires[j, c] == 0 && !validVotes.Column(j).Contains((sbyte)c)))
                {
                    requests.Add(new ClassFollowUp(c, [])
                    {
                        Name = $"followup-{slugs[c]}",
                        Reason = $"no program votes {classNames[c]}, and no valid row is labeled {classNames[c]} yet",
                    });
                }

                continue;
            }

            var prior = goldCount[c] / (double)labeled;
            var voters = Enumerable.Range(0, validVotes.Programs).Where(j => fires[j, c] > 0).ToList();
            string? reason = null;
            if (voters.Count == 0)
            {
                reason = votedOnTrain[c]
                    ? $"the programs vote {classNames[c]} on train rows but on none of the {labeled} labeled valid rows, where {goldCount[c]} are {classNames[c]}"
                    : $"no program votes {classNames[c]}, the class of {goldCount[c]} of the {labeled} labeled valid rows ({prior:0.#%})";
            }
            else if (voters.All(j => right[j, c] <= prior * fires[j, c]))
            {
                var best = voters.MaxBy(j => right[j, c] / (double)fires[j, c]);
                reason = string.Create(CultureInfo.InvariantCulture,
                    $"no program's {classNames[c]} votes on valid are right more often than {classNames[c]}'s share of valid ({prior:0.#%}); the best, {validVotes.ProgramNames[best]}, is right on {right[best, c]} of its {fires[best, c]}");
            }

            if (reason is not null)
            {
                requests.Add(new ClassFollowUp(c, examplesOf?.Invoke(c) ?? [])
                {
                    Name = $"followup-{slugs[c]}",
                    Reason = reason,
                });
            }
        }

        return requests;
    }
}

/// <summary>
/// Asks for a corrected version of one program, which a person asked for (in the studio): its source, its shortfall on
/// valid and the valid rows it gets wrong (empty where rows may not go into prompts). The reply replaces the program under
/// its own name, after the same checks as every program.
/// </summary>
/// <param name="Source">The program's current source.</param>
/// <param name="WrongRows">Valid rows it gets wrong: text, its vote and the gold class, by name.</param>
public sealed record ProgramFixRequest(string Source, IReadOnlyList<(string Text, string Vote, string Gold)> WrongRows) : FollowUpRequest
{
    /// <summary>Wrong rows a fix prompt shows at most.</summary>
    public const int MaxRows = 12;

    /// <inheritdoc/>
    public override IReadOnlyList<LlmMessage> Prompt(PromptBuilder prompts) => prompts.ProgramFix(Source, Reason, WrongRows);
}

/// <summary>
/// Asks for a program to be rewritten after the class it voted was split: its source, the class it voted and the classes
/// that class became (index, name, description). Its reply replaces the program, after the same checks as every program.
/// </summary>
/// <param name="Source">The program's source as it is now (a class map at its end says how its old votes count).</param>
/// <param name="SplitClass">The class that was split, by its old name.</param>
/// <param name="Parts">The classes it became: index, name and description.</param>
public sealed record ProgramRevisionRequest(string Source, string SplitClass, IReadOnlyList<(int Index, string Name, string? Description)> Parts) : FollowUpRequest
{
    /// <inheritdoc/>
    public override IReadOnlyList<LlmMessage> Prompt(PromptBuilder prompts) => prompts.ProgramRevision(Source, SplitClass, Parts);
}
