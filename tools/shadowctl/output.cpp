#include "output.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "shadowslab/error.hpp"
#include "shadowslab/unique_fd.hpp"

namespace shadowctl {

void write_all(int fd, std::string_view content, const std::string& what)
{
    while (!content.empty()) {
        const ssize_t written = ::write(fd, content.data(), content.size());
        if (written < 0) {
            if (errno == EINTR)
                continue;
            throw shadowslab::OperationError(errno, "write " + what);
        }
        content.remove_prefix(static_cast<std::size_t>(written));
    }
}

void write_output(const std::string& path, std::string_view content)
{
    if (path == "-") {
        // Through stdio, so it stays in order with the rest of stdout.
        if (std::fwrite(content.data(), 1, content.size(), stdout) != content.size() || std::fflush(stdout) != 0)
            throw shadowslab::OperationError(errno, "write stdout");
        return;
    }
    const shadowslab::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (fd.get() < 0)
        throw shadowslab::OperationError(errno, "open " + path);
    write_all(fd.get(), content, path);
}

}  // namespace shadowctl
