#pragma once
// MPI for spark, without MPI's types: start and stop MPI, the world as a graph::ProcessGroup
// (BuildOptions::processes), and a clean stop of every process when one fails.
//
// @code
//   spark::mpi::Session mpi(argc, argv);  // MPI_Init_thread (funneled) ... MPI_Finalize
//   spark::graph::BuildOptions options;
//   if (mpi.size() > 1) options.processes = mpi.world();
// @endcode
#include <memory>
#include <string_view>

#include <spark/graph/processes.hpp>

namespace spark::mpi {

// Whether this process was started by an MPI launcher (mpirun, mpiexec, srun): the launcher's
// environment variables, read before MPI is started.
bool launched() noexcept;

class Session {
public:
    // Starts MPI with MPI_THREAD_FUNNELED (only the thread that runs the simulation calls MPI);
    // throws spark::Error if MPI cannot start.
    Session(int& argc, char**& argv);
    Session();  // without the command line (MPI does not need it)
    ~Session();  // MPI_Finalize
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    int rank() const noexcept { return rank_; }
    int size() const noexcept { return size_; }
    // MPI_COMM_WORLD as a ProcessGroup (a collective all_gather per exchange).
    std::shared_ptr<graph::ProcessGroup> world() const;
    // Collective: whether `ok` holds on every process.
    bool all(bool ok) const;
    // Stops every process of the run (MPI_Abort) with `code`, after this one's message was written.
    [[noreturn]] void abort(int code) const;

private:
    Session(int* argc, char*** argv);
    int rank_ = 0, size_ = 1;
};

}  // namespace spark::mpi
