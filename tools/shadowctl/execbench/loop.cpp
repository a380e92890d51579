// run_exec_loop(): the workers, their shared counters and their shutdown.

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>

#include <fmt/format.h>

#include "execbench/execbench.hpp"
#include "execbench/execbench_shm.h"
#include "shadowslab/error.hpp"
#include "shadowslab/unique_fd.hpp"

namespace shadowctl::execbench {

namespace {

constexpr std::uint64_t kTickNs = 100'000'000;          // poll workers and Ctrl-C this often
constexpr std::uint64_t kTermGraceNs = 2'000'000'000;   // SIGTERM, then SIGKILL after this

std::uint64_t now_ns()
{
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000 + static_cast<std::uint64_t>(now.tv_nsec);
}

// Sleeps up to `ns`; a signal (Ctrl-C) ends it early.
void nap(std::uint64_t ns)
{
    timespec delay{};
    delay.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
    delay.tv_nsec = static_cast<long>(ns % 1'000'000'000);
    ::nanosleep(&delay, nullptr);
}

std::string signal_name(int signal)
{
    const char* const description = ::strsignal(signal);
    return fmt::format("signal {} ({})", signal, description ? description : "unknown");
}

// The memfd and its mapping: a header and one slot per worker.
class Counters {
public:
    explicit Counters(std::uint32_t slots)
        : fd_(::memfd_create("shadowslab-execbench", MFD_CLOEXEC)), size_(EXECBENCH_MAP_SIZE(slots - 1))
    {
        if (fd_.get() < 0)
            throw shadowslab::OperationError(errno, "memfd_create");
        if (::ftruncate(fd_.get(), static_cast<off_t>(size_)) < 0)
            throw shadowslab::OperationError(errno, "ftruncate the exec counters");
        void* const map = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get(), 0);
        if (map == MAP_FAILED)
            throw shadowslab::OperationError(errno, "mmap the exec counters");
        header_ = static_cast<execbench_header*>(map);
        header_->magic = EXECBENCH_MAGIC;
        header_->version = EXECBENCH_VERSION;
        header_->nr_slots = slots;
    }
    Counters(const Counters&) = delete;
    Counters& operator=(const Counters&) = delete;
    ~Counters() { ::munmap(header_, size_); }

    int fd() const { return fd_.get(); }
    std::uint64_t execs(std::uint32_t slot) const
    {
        return __atomic_load_n(&execbench_slot_at(header_, slot)->execs, __ATOMIC_RELAXED);
    }
    int exec_errno(std::uint32_t slot) const
    {
        return __atomic_load_n(&execbench_slot_at(header_, slot)->exec_errno, __ATOMIC_RELAXED);
    }
    std::vector<std::uint64_t> snapshot() const
    {
        std::vector<std::uint64_t> counts(header_->nr_slots);
        for (std::uint32_t slot = 0; slot < counts.size(); ++slot)
            counts[slot] = execs(slot);
        return counts;
    }
    void stop() { __atomic_store_n(&header_->stop, 1u, __ATOMIC_RELAXED); }

private:
    shadowslab::UniqueFd fd_;
    std::size_t size_;
    execbench_header* header_ = nullptr;
};

// What a child reports on its close-on-exec pipe when it could not exec.
struct ChildFailure {
    int stage = 0;  // 1 sched_setaffinity, 2 execve, 3 prctl
    int error = 0;
};

// The worker processes.  The destructor stops and reaps whatever is left,
// so no path out of run_exec_loop() leaves a worker or a zombie.
class Workers {
public:
    Workers(const LoopConfig& config, Counters& counters) : config_(config), counters_(counters)
    {
        devnull_ = shadowslab::UniqueFd(::open("/dev/null", O_RDWR | O_CLOEXEC));
        if (devnull_.get() < 0)
            throw shadowslab::OperationError(errno, "open /dev/null");
    }
    Workers(const Workers&) = delete;
    Workers& operator=(const Workers&) = delete;
    ~Workers() { stop(); }

    void spawn(std::uint32_t slot);

    // Throws if a worker has ended by itself (waitpid WNOHANG on each).
    void check_alive();

    // Stop flag, SIGTERM, a grace period, SIGKILL; reaps them all.
    void stop() noexcept;

private:
    [[noreturn]] void fail_ended(std::size_t worker, int status);

    const LoopConfig& config_;
    Counters& counters_;
    shadowslab::UniqueFd devnull_;
    std::vector<pid_t> pids_;  // -1 once reaped
};

void Workers::spawn(std::uint32_t slot)
{
    const std::uint32_t cpu = config_.cpus[slot];
    // Everything the child needs is built before fork(): after it, the child
    // only makes async-signal-safe calls.
    std::string fd_text = std::to_string(counters_.fd());
    std::string slot_text = std::to_string(slot);
    std::string target = config_.target;
    std::string marker = EXECBENCH_ARG;
    char* const argv[] = {target.data(), marker.data(), fd_text.data(), slot_text.data(), nullptr};
    char* const envp[] = {nullptr};

    cpu_set_t* const cpuset = CPU_ALLOC(cpu + 1);
    if (!cpuset)
        throw shadowslab::OperationError(ENOMEM, "CPU_ALLOC");
    const std::size_t cpuset_size = CPU_ALLOC_SIZE(cpu + 1);
    CPU_ZERO_S(cpuset_size, cpuset);
    CPU_SET_S(cpu, cpuset_size, cpuset);

    int report[2];
    if (::pipe2(report, O_CLOEXEC) < 0) {
        CPU_FREE(cpuset);
        throw shadowslab::OperationError(errno, "pipe2");
    }
    const shadowslab::UniqueFd report_read(report[0]);
    shadowslab::UniqueFd report_write(report[1]);

    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
        const int error = errno;
        CPU_FREE(cpuset);
        throw shadowslab::OperationError(error, "fork an exec worker");
    }
    if (pid == 0) {
        ChildFailure failure;
        // Ctrl-C goes to shadowctl, which stops the workers in order; ignored
        // dispositions survive exec, handlers do not.
        ::signal(SIGINT, SIG_IGN);
        ::signal(SIGTERM, SIG_DFL);
        ::signal(SIGPIPE, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        // If shadowctl dies without stopping us (SIGKILL), so do we; the
        // setting survives exec of a program that is not set-id.
        if (::prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) {
            failure = {3, errno};
        } else if (::getppid() != parent) {
            ::_exit(1);
        } else if (::sched_setaffinity(0, cpuset_size, cpuset) < 0) {
            failure = {1, errno};
        } else {
            ::dup2(devnull_.get(), STDIN_FILENO);
            ::dup2(devnull_.get(), STDOUT_FILENO);
            ::fcntl(counters_.fd(), F_SETFD, 0);  // the loop program maps it
            ::execve(argv[0], argv, envp);
            failure = {2, errno};
        }
        [[maybe_unused]] const ssize_t written = ::write(report_write.get(), &failure, sizeof(failure));
        ::_exit(127);
    }
    CPU_FREE(cpuset);
    pids_.push_back(pid);
    report_write = shadowslab::UniqueFd();

    // EOF: the child exec'd (the pipe was close-on-exec).
    ChildFailure failure;
    ssize_t got;
    do
        got = ::read(report_read.get(), &failure, sizeof(failure));
    while (got < 0 && errno == EINTR);
    if (got == static_cast<ssize_t>(sizeof(failure))) {
        int status = 0;
        ::waitpid(pid, &status, 0);
        pids_.back() = -1;
        switch (failure.stage) {
        case 1:
            throw shadowslab::OperationError(failure.error, fmt::format("pin the exec worker to CPU {}", cpu));
        case 2:
            throw shadowslab::OperationError(failure.error, fmt::format("execve {}", config_.target));
        default:
            throw shadowslab::OperationError(failure.error, "prctl(PR_SET_PDEATHSIG) in the exec worker");
        }
    }
}

[[noreturn]] void Workers::fail_ended(std::size_t worker, int status)
{
    const std::uint32_t cpu = config_.cpus[worker];
    const std::uint64_t execs = counters_.execs(static_cast<std::uint32_t>(worker));
    std::string why;
    if (WIFSIGNALED(status)) {
        why = fmt::format("was killed by {}", signal_name(WTERMSIG(status)));
    } else {
        const int code = WEXITSTATUS(status);
        switch (code) {
        case EXECBENCH_EXIT_EXEC:
            why = fmt::format("could not exec itself again: execve {}: {}", config_.target,
                              std::strerror(counters_.exec_errno(static_cast<std::uint32_t>(worker))));
            break;
        case EXECBENCH_EXIT_MAP:
            why = "could not map the exec counters";
            break;
        default:
            why = fmt::format("exited with status {}", code);
            break;
        }
    }
    std::string message = fmt::format("the exec worker on CPU {} {} after {} execs", cpu, why, execs);
    if (execs == 0 && WIFEXITED(status))
        message += fmt::format("; is {} the {} program (tools/execbench)?", config_.target, kLoopProgramName);
    throw std::runtime_error(message);
}

void Workers::check_alive()
{
    for (std::size_t worker = 0; worker < pids_.size(); ++worker) {
        if (pids_[worker] < 0)
            continue;
        int status = 0;
        const pid_t got = ::waitpid(pids_[worker], &status, WNOHANG);
        if (got == pids_[worker]) {
            pids_[worker] = -1;
            fail_ended(worker, status);
        }
    }
}

void Workers::stop() noexcept
{
    counters_.stop();
    for (const pid_t pid : pids_)
        if (pid > 0)
            ::kill(pid, SIGTERM);
    const std::uint64_t deadline = now_ns() + kTermGraceNs;
    for (;;) {
        bool left = false;
        for (pid_t& pid : pids_) {
            if (pid <= 0)
                continue;
            int status = 0;
            const pid_t got = ::waitpid(pid, &status, WNOHANG);
            if (got == pid || (got < 0 && errno == ECHILD))
                pid = -1;
            else
                left = true;
        }
        if (!left)
            break;
        if (now_ns() >= deadline) {
            for (pid_t& pid : pids_) {
                if (pid <= 0)
                    continue;
                ::kill(pid, SIGKILL);
                int status = 0;
                while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
                }
                pid = -1;
            }
            break;
        }
        nap(10'000'000);
    }
    pids_.clear();
}

std::vector<std::uint64_t> difference(const std::vector<std::uint64_t>& now, const std::vector<std::uint64_t>& before)
{
    std::vector<std::uint64_t> delta(now.size());
    for (std::size_t i = 0; i < now.size(); ++i)
        delta[i] = now[i] - before[i];
    return delta;
}

}  // namespace

LoopResult run_exec_loop(const LoopConfig& config, const InterruptGuard& interrupt, const LoopCallbacks& callbacks)
{
    if (config.cpus.empty())
        throw std::invalid_argument("run_exec_loop: no CPUs");
    if (config.target.empty() || config.target[0] != '/')
        throw std::invalid_argument("run_exec_loop: the target must be an absolute path");
    if (config.duration_ns == 0 || config.interval_ns == 0)
        throw std::invalid_argument("run_exec_loop: duration and interval must be positive");

    LoopResult result;
    result.cpus = config.cpus;
    result.ops.assign(config.cpus.size(), 0);

    Counters counters(static_cast<std::uint32_t>(config.cpus.size()));
    Workers workers(config, counters);

    // Start every worker and wait for each to count its first exec: this
    // proves the target is the loop program, and timing then starts with
    // all of them running.
    for (std::uint32_t slot = 0; slot < config.cpus.size(); ++slot) {
        if (interrupt.triggered()) {
            result.cancelled = true;
            return result;
        }
        workers.spawn(slot);
    }
    const std::uint64_t start_deadline = now_ns() + kStartTimeoutNs;
    for (;;) {
        workers.check_alive();
        if (interrupt.triggered()) {
            result.cancelled = true;
            return result;
        }
        const std::vector<std::uint64_t> counts = counters.snapshot();
        if (std::all_of(counts.begin(), counts.end(), [](std::uint64_t count) { return count > 0; }))
            break;
        if (now_ns() >= start_deadline)
            throw std::runtime_error(fmt::format(
                "{} counted no exec within {} s; is it the {} program (tools/execbench)?", config.target,
                kStartTimeoutNs / 1'000'000'000, kLoopProgramName));
        nap(1'000'000);
    }

    const std::uint64_t start = now_ns();
    const std::vector<std::uint64_t> base = counters.snapshot();
    std::vector<std::uint64_t> previous = base;
    std::uint64_t previous_ns = 0;  // since start
    std::uint64_t next_interval_ns = config.interval_ns;

    for (;;) {
        const bool cancelled = interrupt.triggered();
        workers.check_alive();
        const std::uint64_t elapsed = now_ns() - start;
        const bool done = cancelled || elapsed >= config.duration_ns;
        if (done || elapsed >= next_interval_ns) {
            const std::vector<std::uint64_t> counts = counters.snapshot();
            Interval interval;
            interval.end_ns = elapsed;
            interval.elapsed_ns = elapsed - previous_ns;
            interval.ops = difference(counts, previous);
            if (interval.elapsed_ns > 0) {
                result.intervals.push_back(interval);
                if (callbacks.on_interval)
                    callbacks.on_interval(result.intervals.back());
            }
            previous = counts;
            previous_ns = elapsed;
            while (next_interval_ns <= elapsed)
                next_interval_ns += config.interval_ns;
        }
        if (done) {
            result.cancelled = cancelled;
            result.elapsed_ns = elapsed;
            result.ops = difference(previous, base);
            break;
        }
        if (callbacks.on_tick) {
            const std::vector<std::uint64_t> counts = counters.snapshot();
            std::uint64_t ops = 0;
            for (std::size_t i = 0; i < counts.size(); ++i)
                ops += counts[i] - base[i];
            callbacks.on_tick(elapsed, ops);
        }
        const std::uint64_t until = std::min(next_interval_ns, config.duration_ns);
        nap(std::min(kTickNs, until > elapsed ? until - elapsed : 0));
    }
    workers.stop();
    return result;
}

}  // namespace shadowctl::execbench
