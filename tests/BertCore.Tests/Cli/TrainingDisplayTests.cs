using BertCore.Cli;
using BertCore.Cli.Commands;
using BertCore.Training;
using Spectre.Console;
using Xunit;

namespace BertCore.Tests.Cli;

/// <summary><see cref="TrainingDisplay"/> on a terminal: the live Spectre.Console display carries the step status and
/// the event lines; the plain log lines (which scripts parse) are for redirected output only.</summary>
public class TrainingDisplayTests
{
    [Fact]
    public void A_live_display_shows_the_status_of_the_last_step_and_the_events()
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes, Interactive = InteractionSupport.Yes, ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(output),
        });
        var display = new TrainingDisplay(console, live: true);
        var printer = new PretrainProgressPrinter(logEvery: 1, display);

        int steps = display.Run(() =>
        {
            Assert.NotNull(display.Live);
            for (int step = 1; step <= 3; step++)
                printer.Print(new PretrainingProgress(step, 3, 5.0 - step, 1e-4, 1, 1000, TimeSpan.FromSeconds(step), TimeSpan.FromSeconds(3 - step),
                    step == 3 ? new MlmEvaluation(0.25, 12.5, 2.5, 40) : null, null));
            printer.Finish();
            return 3;
        });

        Assert.Equal(3, steps);
        Assert.Null(display.Live);
        var text = output.ToString();
        Assert.Contains("step 3/3 loss 2.0000 1000 tok/s ETA 0:00:00", text);
        Assert.Contains("eval at step 3: mlm accuracy 0.2500, perplexity 12.50 (40 masked tokens)", text);
        Assert.Contains("100%", text);
        Assert.DoesNotContain("grad_norm", text);   // the plain log line stays out of the live display
    }
}
