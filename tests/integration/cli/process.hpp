#pragma once
// Runs the built `spark` program as a child process and captures its exit code and output.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace spark::testing {

inline std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// A fresh empty directory under the system temp directory, removed by the destructor.
class TempDir {
public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "spark-cli-XXXXXX").string();
        if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

struct Result {
    int exit_code = -1;  // -1: killed by a signal
    std::string out, err;
};

// A started child: stdout and stderr go to files in `dir`.
class Child {
public:
    // With `stderr_terminal` the child's stderr is a pseudo-terminal whose output wait() collects.
    Child(const std::vector<std::string>& args, const std::filesystem::path& dir,
          const std::vector<std::string>& extra_env = {}, bool stderr_terminal = false)
        : id_(next_id()), out_(dir / ("stdout." + std::to_string(id_))), err_(dir / ("stderr." + std::to_string(id_))) {
        std::vector<std::string> argv_s{SPARK_EXE};
        argv_s.insert(argv_s.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : argv_s) argv.push_back(a.data());
        argv.push_back(nullptr);
        std::vector<std::string> env_s;
        for (char** e = environ; *e; ++e) {
            std::string kv = *e;
            bool overridden = false;
            for (const auto& x : extra_env)
                if (kv.substr(0, kv.find('=') + 1) == x.substr(0, x.find('=') + 1)) overridden = true;
            if (!overridden) env_s.push_back(kv);
        }
        env_s.insert(env_s.end(), extra_env.begin(), extra_env.end());
        std::vector<char*> envp;
        for (auto& e : env_s) envp.push_back(e.data());
        envp.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (stderr_terminal) {
            master_ = ::posix_openpt(O_RDWR | O_NOCTTY);
            if (master_ < 0 || ::grantpt(master_) != 0 || ::unlockpt(master_) != 0)
                throw std::runtime_error("cannot open a pseudo-terminal");
            ::fcntl(master_, F_SETFL, O_NONBLOCK);
            posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, ::ptsname(master_), O_RDWR | O_NOCTTY, 0);
        } else {
            posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        }
        const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data());
        posix_spawn_file_actions_destroy(&actions);
        if (rc != 0) throw std::runtime_error(std::string("cannot start ") + SPARK_EXE);
    }

    pid_t pid() const { return pid_; }

    // Waits (killing the child after `timeout`) and collects its output.
    Result wait(std::chrono::seconds timeout = std::chrono::seconds(120)) {
        Result r;
        int status = 0;
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        std::string terminal;
        auto drain = [&] {
            char buf[4096];
            ssize_t n = 0;
            while (master_ >= 0 && (n = ::read(master_, buf, sizeof buf)) > 0) terminal.append(buf, static_cast<std::size_t>(n));
        };
        while (true) {
            drain();
            const pid_t w = ::waitpid(pid_, &status, WNOHANG);
            if (w == pid_) break;
            if (std::chrono::steady_clock::now() > deadline) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, &status, 0);
                r.err = "timed out";
                return r;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        r.out = read_file(out_);
        if (master_ >= 0) {
            drain();
            ::close(master_);
            master_ = -1;
            r.err = terminal;
        } else {
            r.err = read_file(err_);
        }
        return r;
    }

    // True once the child has installed a handler for `sig` (SigCgt in /proc/<pid>/status).
    bool catches(int sig) const {
        std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
        std::string line;
        while (std::getline(status, line))
            if (line.rfind("SigCgt:", 0) == 0) {
                const unsigned long long mask = std::stoull(line.substr(7), nullptr, 16);
                return (mask >> (sig - 1)) & 1u;
            }
        return false;
    }

private:
    static int next_id() {
        static int n = 0;
        return n++;
    }
    int id_;
    int master_ = -1;
    pid_t pid_ = 0;
    std::filesystem::path out_, err_;
};

inline Result run_spark(const std::vector<std::string>& args, const std::filesystem::path& dir,
                        const std::vector<std::string>& extra_env = {}) {
    return Child(args, dir, extra_env).wait();
}

}  // namespace spark::testing
