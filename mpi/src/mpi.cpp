#include <spark/mpi/mpi.hpp>

#include <mpi.h>

#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include <spark/core/error.hpp>

namespace spark::mpi {

namespace {

void check(int code, const char* what) {
    if (code == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(code, text, &length);
    throw Error(std::string(what) + " failed: " + std::string(text, static_cast<std::size_t>(length)));
}

int as_count(std::size_t bytes) {
    if (bytes > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        throw Error("an exchange of " + std::to_string(bytes) + " bytes is larger than MPI's int count allows");
    return static_cast<int>(bytes);
}

class World final : public graph::ProcessGroup {
public:
    World(int rank, int size) : rank_(rank), size_(size), blocking_(static_cast<std::size_t>(size)),
                                started_(static_cast<std::size_t>(size)) {}
    int rank() const noexcept override { return rank_; }
    int size() const noexcept override { return size_; }

    void all_gather(std::span<const std::byte> mine, std::vector<std::byte>& all,
                    std::vector<std::size_t>& counts) override {
        const int count = blocking_.gather(mine.size(), all, counts);
        check(MPI_Allgatherv(mine.data(), count, MPI_BYTE, all.data(), blocking_.counts.data(),
                             blocking_.displacements.data(), MPI_BYTE, MPI_COMM_WORLD),
              "MPI_Allgatherv");
        count_exchange(mine.size());
    }

    // The counts to the root (MPI_Gather), then the bytes (MPI_Gatherv): only the root holds them all.
    void gather(std::span<const std::byte> mine, std::vector<std::byte>& all, std::vector<std::size_t>& counts,
                int root) override {
        const int count = as_count(mine.size());
        check(MPI_Gather(&count, 1, MPI_INT, blocking_.counts.data(), 1, MPI_INT, root, MPI_COMM_WORLD), "MPI_Gather");
        counts.assign(static_cast<std::size_t>(size_), 0);
        // Cleared, not freed: a root gathering in pieces reuses one buffer. Freeing and reallocating it
        // per piece raises glibc's mmap threshold, so the later pieces come from the heap and stay resident.
        all.clear();
        if (rank_ == root) {
            std::size_t total = 0;
            for (std::size_t r = 0; r < counts.size(); ++r) {
                blocking_.displacements[r] = as_count(total);
                counts[r] = static_cast<std::size_t>(blocking_.counts[r]);
                total += counts[r];
            }
            as_count(total);
            all.resize(total);
        }
        check(MPI_Gatherv(mine.data(), count, MPI_BYTE, all.data(), blocking_.counts.data(),
                          blocking_.displacements.data(), MPI_BYTE, root, MPI_COMM_WORLD),
              "MPI_Gatherv");
        count_exchange(mine.size());
    }

    // The counts are gathered at once (a small blocking collective), the bytes by MPI_Iallgatherv.
    void start_all_gather(std::span<const std::byte> mine, std::vector<std::byte>& all,
                          std::vector<std::size_t>& counts) override {
        if (in_progress_) throw InternalError("a second non-blocking exchange started before the first finished");
        const int count = started_.gather(mine.size(), all, counts);
        check(MPI_Iallgatherv(mine.data(), count, MPI_BYTE, all.data(), started_.counts.data(),
                              started_.displacements.data(), MPI_BYTE, MPI_COMM_WORLD, &request_),
              "MPI_Iallgatherv");
        in_progress_ = true;
        count_exchange(mine.size());
    }
    void finish_all_gather() override {
        if (!in_progress_) return;
        in_progress_ = false;
        check(MPI_Wait(&request_, MPI_STATUS_IGNORE), "MPI_Wait");
    }

private:
    // The layout of one MPI_Allgatherv: every rank's byte count and where its bytes go.
    struct Layout {
        explicit Layout(std::size_t ranks) : counts(ranks), displacements(ranks) {}
        // Gathers every rank's count of `bytes` (blocking), sizes `all` for the total and fills
        // `counts`; returns this rank's count.
        int gather(std::size_t bytes, std::vector<std::byte>& all, std::vector<std::size_t>& sizes) {
            const int count = as_count(bytes);
            check(MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD), "MPI_Allgather");
            std::size_t total = 0;
            sizes.resize(counts.size());
            for (std::size_t r = 0; r < counts.size(); ++r) {
                displacements[r] = as_count(total);
                sizes[r] = static_cast<std::size_t>(counts[r]);
                total += sizes[r];
            }
            as_count(total);
            all.resize(total);
            return count;
        }
        std::vector<int> counts, displacements;
    };

    int rank_, size_;
    Layout blocking_;
    Layout started_;  // the exchange in progress: untouched until MPI_Wait
    MPI_Request request_ = MPI_REQUEST_NULL;
    bool in_progress_ = false;
};

}  // namespace

bool launched() noexcept {
    for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"})
        if (std::getenv(name) != nullptr) return true;
    return false;
}

Session::Session(int& argc, char**& argv) : Session(&argc, &argv) {}
Session::Session() : Session(nullptr, nullptr) {}

Session::Session(int* argc, char*** argv) {
    int provided = 0;
    check(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    // Errors come back as codes (check() turns them into spark::Error) instead of aborting inside MPI.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

Session::~Session() { MPI_Finalize(); }

std::shared_ptr<graph::ProcessGroup> Session::world() const { return std::make_shared<World>(rank_, size_); }

bool Session::all(bool ok) const {
    int mine = ok ? 1 : 0, every = 0;
    check(MPI_Allreduce(&mine, &every, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD), "MPI_Allreduce");
    return every == 1;
}

void Session::abort(int code) const {
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);
}

}  // namespace spark::mpi
