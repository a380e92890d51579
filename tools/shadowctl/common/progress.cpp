#include "common/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

namespace shadowctl {

namespace {

constexpr std::size_t kBarWidth = 20;

}  // namespace

std::size_t terminal_width(int fd)
{
    winsize size{};
    if (::isatty(fd) && ::ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
        return size.ws_col;
    return 80;
}

std::string render_progress(std::string_view label, std::string_view phase, double fraction,
                            std::string_view detail, std::size_t width)
{
    fraction = std::clamp(fraction, 0.0, 1.0);
    const auto filled = static_cast<std::size_t>(fraction * kBarWidth);
    std::string line = fmt::format("{}  {:<8} [{}{}] {:3.0f}%  {}", label, phase, std::string(filled, '#'),
                                   std::string(kBarWidth - filled, '.'), fraction * 100, detail);
    if (line.size() > width)
        line.resize(width);
    return line;
}

ProgressBar::ProgressBar(std::string label) : active_(::isatty(STDERR_FILENO)), label_(std::move(label)) {}

ProgressBar::~ProgressBar()
{
    if (drawn_)
        std::fputs("\r\033[K", stderr);
}

void ProgressBar::draw(std::string_view phase, double fraction, std::string_view detail)
{
    if (!active_)
        return;
    // One column spare so the cursor never wraps to the next line.
    fmt::print(stderr, "\r{}\033[K",
               render_progress(label_, phase, fraction, detail, terminal_width(STDERR_FILENO) - 1));
    std::fflush(stderr);
    drawn_ = true;
}

}  // namespace shadowctl
