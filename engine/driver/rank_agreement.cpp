#include "driver/rank_agreement.h"

#include "distributed/world.h"
#include "driver/error_report.h"

#include <algorithm>

namespace graphrun {

std::optional<RankFailure> on_every_rank(const std::function<void()>& phase) {
  const distributed::World& world = distributed::world();
  if (world.size == 1) {
    phase();
    return std::nullopt;
  }
  ErrorReport mine{0, ""};
  try {
    phase();
  } catch (...) {
    mine = report_current_exception();
  }
  return agree(mine);
}

std::optional<RankFailure> agree(const ErrorReport& mine) {
  const distributed::World& world = distributed::world();
  if (world.size == 1) return mine.exit_code ? std::optional<RankFailure>(RankFailure{mine.exit_code, mine.message}) : std::nullopt;
  const int worst = distributed::max_over_ranks(mine.exit_code);
  if (worst == 0) return std::nullopt;
  // Every rank's code and message, so that rank 0 can tell one rank's failure from all's.
  const std::vector<std::string> reports =
      distributed::all_gather(std::to_string(mine.exit_code) + "\n" + mine.message);
  RankFailure failure{worst, ""};
  if (!world.root()) return failure;
  const auto failed = [](const std::string& r) { return r.rfind("0\n", 0) != 0; };
  const auto first = std::find_if(reports.begin(), reports.end(), failed);
  const bool all_alike = std::all_of(reports.begin(), reports.end(), [&](const std::string& r) { return r == *first; });
  const std::string message = first->substr(first->find('\n') + 1);
  failure.message = all_alike ? message : "rank " + std::to_string(first - reports.begin()) + ": " + message;
  return failure;
}

}  // namespace graphrun
