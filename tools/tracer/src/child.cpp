#include "shadowslab/tracer/child.hpp"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include <fmt/format.h>

namespace shadowslab::tracer {

int CommandStartError::shell_status() const
{
    return code().value() == ENOENT ? 127 : 126;
}

ExitStatus ExitStatus::from_wait_status(int status)
{
    ExitStatus result;
    if (WIFEXITED(status)) {
        result.exited = true;
        result.code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        result.signal = WTERMSIG(status);
    }
    return result;
}

int ExitStatus::shell_status() const
{
    return exited ? code : 128 + signal;
}

std::string ExitStatus::describe() const
{
    if (exited)
        return fmt::format("exited with status {}", code);
    const char* name = sigabbrev_np(signal);
    return fmt::format("killed by signal {} (SIG{})", signal, name ? name : "?");
}

namespace {

std::string start_error_message(const std::string& argv0, int err)
{
    return fmt::format("cannot run '{}': {}{}", argv0, strerror(err),
                       err == ENOENT ? " (not found, or not in PATH)" : "");
}

}  // namespace

void check_command(const std::string& argv0)
{
    if (argv0.empty())
        throw CommandStartError(ENOENT, "cannot run '': No such file or directory");
    int err = ENOENT;
    const auto runnable = [&err](const std::string& path) {
        if (access(path.c_str(), X_OK) == 0)
            return true;
        // Found but not executable beats not found, as in execvp().
        if (errno == EACCES || (err != EACCES && errno != ENOENT))
            err = errno;
        return false;
    };
    if (argv0.find('/') != std::string::npos) {
        if (runnable(argv0))
            return;
    } else {
        const char* env = getenv("PATH");
        const std::string path = env ? env : "/usr/local/bin:/bin:/usr/bin";
        std::size_t start = 0;
        while (start <= path.size()) {
            const std::size_t end = std::min(path.find(':', start), path.size());
            const std::string dir = end > start ? path.substr(start, end - start) : ".";
            if (runnable(dir + "/" + argv0))
                return;
            start = end + 1;
        }
    }
    throw CommandStartError(err, start_error_message(argv0, err));
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv)
{
    if (argv.empty())
        throw CommandStartError(EINVAL, "no command to run");
    // exec's errno comes back through a close-on-exec pipe: nothing arrives
    // if exec succeeded.
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0)
        throw TraceError(errno, fmt::format("pipe: {}", strerror(errno)));
    std::vector<char*> args;
    for (const std::string& arg : argv)
        args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);

    pid_ = fork();
    if (pid_ < 0) {
        const int err = errno;
        close(pipe_fds[0]);
        close(pipe_fds[1]);
        throw TraceError(err, fmt::format("fork: {}", strerror(err)));
    }
    if (pid_ == 0) {
        close(pipe_fds[0]);
        execvp(args[0], args.data());
        const int err = errno;
        (void)!write(pipe_fds[1], &err, sizeof(err));
        _exit(127);
    }
    close(pipe_fds[1]);
    int err = 0;
    ssize_t got;
    do {
        got = read(pipe_fds[0], &err, sizeof(err));
    } while (got < 0 && errno == EINTR);
    close(pipe_fds[0]);
    if (got == static_cast<ssize_t>(sizeof(err))) {
        wait();
        throw CommandStartError(err, start_error_message(argv[0], err));
    }
}

ChildProcess::~ChildProcess()
{
    if (pid_ > 0 && !reaped_) {
        try {
            wait();
        } catch (const std::exception&) {
            // Nothing left to do: the child is not ours to wait for.
        }
    }
}

ExitStatus ChildProcess::wait()
{
    if (reaped_)
        return status_;
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0) {
        if (errno != EINTR)
            throw TraceError(errno, fmt::format("waitpid {}: {}", pid_, strerror(errno)));
    }
    reaped_ = true;
    status_ = ExitStatus::from_wait_status(status);
    return status_;
}

std::optional<ExitStatus> ChildProcess::try_wait()
{
    if (reaped_)
        return status_;
    int status = 0;
    const pid_t pid = waitpid(pid_, &status, WNOHANG);
    if (pid < 0 && errno != EINTR)
        throw TraceError(errno, fmt::format("waitpid {}: {}", pid_, strerror(errno)));
    if (pid <= 0)
        return std::nullopt;
    reaped_ = true;
    status_ = ExitStatus::from_wait_status(status);
    return status_;
}

}  // namespace shadowslab::tracer
