#include "node/supervisor.hpp"

#include <doctest/doctest.h>

using namespace tc;

TEST_CASE("a halt reason gives timed an exit status of its own, a clean stop gives 0") {
  CHECK(exit_status_for(caf::error{}) == exit_status::ok);
  CHECK(exit_status_for(caf::exit_reason::user_shutdown) == exit_status::ok);
  CHECK(exit_status_for(make_halt(halt_reason::consensus_fatal)) == exit_status::consensus_fatal);
  CHECK(exit_status_for(make_halt(halt_reason::fork_detected)) == exit_status::fork_detected);
  CHECK(exit_status_for(caf::make_error(caf::sec::runtime_error, "x")) == exit_status::failure);
  CHECK(exit_status_for(caf::exit_reason::kill) == exit_status::failure);
  CHECK_FALSE(halt_of(caf::error(7, caf::atom("halt"))));
}
