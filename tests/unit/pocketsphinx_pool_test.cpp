// The pocketsphinx decoder pool (issue 11 defect 3) against Debian's en-us model.
#include <gtest/gtest.h>

#include <sphinxbase/err.h>

#include <vector>

#include "engines/pocketsphinx/pocketsphinx_engine.h"

namespace voxgate {
namespace {

// Building a decoder must not touch sphinxbase's process-wide log stream: with `-logfn` every
// ps_init opened a new FILE and closed the one other threads' decoders were writing to.
TEST(PocketsphinxPool, BuildingDecodersLeavesTheLogStreamAlone) {
  PocketsphinxEngine engine({.initial = 1, .max = 0, .idleS = 300});
  FILE* before = err_get_logfp();
  EXPECT_EQ(before, nullptr) << "sphinxbase logging is off";
  std::vector<std::unique_ptr<AsrStream>> streams;
  for (int i = 0; i < 3; ++i) streams.push_back(engine.open());  // two more decoders are built
  EXPECT_EQ(engine.describe()["decoders"], 3);
  EXPECT_EQ(err_get_logfp(), before);
}

TEST(PocketsphinxPool, RefusesPastItsBoundAndReusesWhatComesBack) {
  PocketsphinxEngine engine({.initial = 1, .max = 2, .idleS = 300});
  auto a = engine.open();
  auto b = engine.open();
  EXPECT_THROW(engine.open(), std::runtime_error);
  b.reset();
  auto c = engine.open();  // the decoder b gave back
  EXPECT_EQ(engine.describe()["decoders"], 2);
}

}  // namespace
}  // namespace voxgate
