#include <gtest/gtest.h>

#include "common/plot.hpp"
#include "compare/compare_output.hpp"
#include "sample_results.hpp"

using namespace shadowctl;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST(Plot, FormatFromExtension)
{
    EXPECT_EQ(plot_format_for("scaling.svg"), PlotFormat::svg);
    EXPECT_EQ(plot_format_for("/tmp/a.b/scaling.png"), PlotFormat::png);
    EXPECT_THROW(plot_format_for("scaling.pdf"), std::invalid_argument);
    EXPECT_THROW(plot_format_for("svg"), std::invalid_argument);
    EXPECT_THROW(plot_format_for(""), std::invalid_argument);
}

TEST(Plot, CompareSvgScript)
{
    const std::string script = gnuplot_script(compare_plot(testdata::report()), "out/scaling.svg");
    EXPECT_TRUE(has(script, "set terminal svg")) << script;
    EXPECT_TRUE(has(script, "set output 'out/scaling.svg'")) << script;
    EXPECT_TRUE(has(script, "set title 'shadowslab: throughput by strategy, profile kernel, kernel 6.6.30 (bars: min to "
                            "max over 2 rounds)'"))
        << script;
    EXPECT_TRUE(has(script, "set xlabel")) << script;
    EXPECT_TRUE(has(script, "set ylabel")) << script;
    // One data block and one line per strategy: threads, the mean cycles/s,
    // and the rounds' minimum and maximum as error bars.
    EXPECT_TRUE(has(script, "$series0 << EOD\n1 100000 90000 110000\n2 120000 110000 130000\nEOD\n")) << script;
    EXPECT_TRUE(has(script, "$series1 << EOD\n1 200000 190000 210000\n2 360000 350000 370000\nEOD\n")) << script;
    EXPECT_TRUE(has(script, "$series2 using 1:2:3:4 with yerrorlines")) << script;
    EXPECT_TRUE(has(script, "title 'ctor'")) << script;
}

TEST(Plot, LabelsArePrintedLiterally)
{
    Plot plot;
    plot.title = "ctor-no-mm_cid";
    plot.series.push_back({"ctor-no-mm_cid", {{2, 1, {}, {}}}});
    const std::string script = gnuplot_script(plot, "a.svg");
    EXPECT_TRUE(has(script, "noenhanced")) << script;
    EXPECT_FALSE(has(script, " enhanced")) << script;
    EXPECT_TRUE(has(script, "title 'ctor-no-mm_cid'")) << script;
}

TEST(Plot, TheAxisSpansTheMeasuredValues)
{
    Plot plot;
    plot.series.push_back({"a", {{1, 10, {}, {}}, {2, 20, {}, {}}}});
    plot.series.push_back({"b", {{2, 5, {}, {}}, {4, 8, {}, {}}}});
    const std::string script = gnuplot_script(plot, "a.svg");
    EXPECT_TRUE(has(script, "set xtics (1, 2, 4)\n")) << script;
    EXPECT_TRUE(has(script, "set autoscale xfix\n")) << script;
}

TEST(Plot, ErrorBars)
{
    Plot plot;
    plot.series.push_back({"a", {{1, 10, 9, 12}, {2, 20, 18, 21}}});
    const std::string script = gnuplot_script(plot, "a.svg");
    EXPECT_TRUE(has(script, "$series0 << EOD\n1 10 9 12\n2 20 18 21\nEOD\n")) << script;
    EXPECT_TRUE(has(script, "$series0 using 1:2:3:4 with yerrorlines")) << script;
}

TEST(Plot, PngPrefersCairo)
{
    const std::string script = gnuplot_script(compare_plot(testdata::report()), "a.png");
    EXPECT_TRUE(has(script, "set terminal pngcairo")) << script;
    EXPECT_TRUE(has(script, "else set terminal png")) << script;
}

TEST(Plot, QuotesTheOutputPath)
{
    const std::string script = gnuplot_script(compare_plot(testdata::report()), "it's.svg");
    EXPECT_TRUE(has(script, "set output 'it''s.svg'")) << script;
}
