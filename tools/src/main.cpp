// spark: the command-line program (see <spark/tools/cli.hpp>).
#include <csignal>
#include <iostream>

#include <spark/tools/cli.hpp>

namespace {
volatile std::sig_atomic_t stop_requested = 0;
extern "C" void on_sigint(int) { stop_requested = 1; }
}  // namespace

int main(int argc, char** argv) {
    // The first Ctrl-C asks the run to stop after the current step; SA_RESETHAND makes a second one
    // kill the program at once.
    struct sigaction action {};
    action.sa_handler = on_sigint;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND;
    sigaction(SIGINT, &action, nullptr);
    std::ios::sync_with_stdio(false);
    return spark::tools::run_cli(argc, argv, std::cout, std::cerr, &stop_requested);
}
