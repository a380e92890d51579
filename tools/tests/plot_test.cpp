#include <gtest/gtest.h>

#include "plot.hpp"
#include "sample_results.hpp"

using namespace shadowctl;

TEST(Plot, FormatFromExtension)
{
    EXPECT_EQ(plot_format_for("scaling.svg"), PlotFormat::svg);
    EXPECT_EQ(plot_format_for("/tmp/a.b/scaling.png"), PlotFormat::png);
    EXPECT_THROW(plot_format_for("scaling.pdf"), std::invalid_argument);
    EXPECT_THROW(plot_format_for("svg"), std::invalid_argument);
    EXPECT_THROW(plot_format_for(""), std::invalid_argument);
}

TEST(Plot, SvgScript)
{
    const std::string script = gnuplot_script(testdata::report(), "out/scaling.svg");
    EXPECT_NE(script.find("set terminal svg"), std::string::npos);
    EXPECT_NE(script.find("set output 'out/scaling.svg'"), std::string::npos);
    EXPECT_NE(script.find("set title 'shadowslab: throughput by strategy, profile mm-6.6, kernel 6.6.30'"),
              std::string::npos)
        << script;
    EXPECT_NE(script.find("set xlabel"), std::string::npos);
    EXPECT_NE(script.find("set ylabel"), std::string::npos);
    // One data block and one line per strategy: threads, cycles/s.
    EXPECT_NE(script.find("$percpu << EOD\n1 100000\n2 120000\nEOD\n"), std::string::npos) << script;
    EXPECT_NE(script.find("$ctor << EOD\n1 200000\n2 360000\nEOD\n"), std::string::npos) << script;
    EXPECT_NE(script.find("$slab using 1:2 with linespoints"), std::string::npos) << script;
    EXPECT_NE(script.find("title 'ctor'"), std::string::npos);
}

TEST(Plot, PngPrefersCairo)
{
    const std::string script = gnuplot_script(testdata::report(), "a.png");
    EXPECT_NE(script.find("set terminal pngcairo"), std::string::npos);
    EXPECT_NE(script.find("else set terminal png"), std::string::npos);
}

TEST(Plot, QuotesTheOutputPath)
{
    const std::string script = gnuplot_script(testdata::report(), "it's.svg");
    EXPECT_NE(script.find("set output 'it''s.svg'"), std::string::npos) << script;
}
