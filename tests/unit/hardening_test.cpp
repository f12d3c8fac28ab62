// Issue 11: the edge checks and bounds the hostile probe asked for, below the server.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/client_strings.h"
#include "core/directory_quota.h"
#include "core/ids.h"
#include "core/memory_budget.h"
#include "core/utf8.h"

using namespace voxgate;

TEST(ClientId, AcceptsTheUsualShapes) {
  for (const char* id : {"a", "call-42_a.b:c", "3f2b9c1e-0d4a-4c8e-9b7a-1f2e3d4c5b6a"})
    EXPECT_FALSE(invalidClientId(id, "session_id")) << id;
  EXPECT_FALSE(invalidClientId(std::string(128, 'x'), "session_id"));
}

TEST(ClientId, RefusesWhatCouldReachAHeaderOrAPath) {
  for (const char* id : {"", "a\r\nSet-Cookie: x=1", "a b", "../x", "a/b", "é", "x\ty"}) {
    auto why = invalidClientId(id, "session_id");
    ASSERT_TRUE(why) << id;
    EXPECT_NE(why->find("session_id"), std::string::npos);
  }
  EXPECT_TRUE(invalidClientId(std::string(129, 'x'), "session_id"));
}

TEST(LogSafe, EscapesLineBreaksAndControlsKeepsUtf8) {
  EXPECT_EQ(logSafe("a\nb\r\nc"), "a\\nb\\r\\nc");
  EXPECT_EQ(logSafe("\x1b[31mred"), "\\x1b[31mred");
  EXPECT_EQ(logSafe("晓晓 ok"), "晓晓 ok");
  EXPECT_EQ(logSafe("bad \xff\xfe utf8"), "bad \\xff\\xfe utf8");
  EXPECT_EQ(logSafe("back\\slash"), "back\\\\slash");  // so an escape cannot be faked either
}

TEST(LogSafe, CutsLongStrings) {
  std::string cut = logSafe(std::string(1000, 'a'), 50);
  EXPECT_EQ(cut, std::string(50, 'a') + "…");
}

TEST(RandomIds, AreUuid4AndDistinct) {
  std::string a = uuid4(), b = uuid4();
  EXPECT_NE(a, b);
  ASSERT_EQ(a.size(), 36u);
  EXPECT_EQ(a[14], '4');
  EXPECT_NE(std::string("89ab").find(a[19]), std::string::npos);
  EXPECT_EQ(randomHex(16).size(), 16u);
}

class DirectoryQuotaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() /
          ("voxgate_quota_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir / "sub");
  }
  void TearDown() override { std::filesystem::remove_all(dir); }
  void write(const std::string& name, size_t bytes) { std::ofstream(dir / name) << std::string(bytes, 'x'); }
  std::filesystem::path dir;
};

TEST_F(DirectoryQuotaTest, CountsWhatIsThereRecursively) {
  write("a.wav", 100);
  write("sub/b.wav", 50);
  DirectoryQuota q(dir.string(), 1000, 10);
  EXPECT_EQ(q.usedBytes(), 150u);
  EXPECT_EQ(q.usedFiles(), 2u);
}

TEST_F(DirectoryQuotaTest, RefusesPastEitherBound) {
  DirectoryQuota q(dir.string(), 1000, 2);
  EXPECT_FALSE(q.reserveFile(400));
  EXPECT_FALSE(q.reserveBytes(500));
  auto full = q.reserveBytes(200);
  ASSERT_TRUE(full);
  EXPECT_NE(full->find("quota"), std::string::npos);
  EXPECT_FALSE(q.reserveFile(50));  // 2 files, 950 bytes
  auto files = q.reserveFile(1);
  ASSERT_TRUE(files);
  EXPECT_NE(files->find("file"), std::string::npos);
  q.release(1, 400);
  EXPECT_FALSE(q.reserveFile(400));
}

TEST(MemoryBudget, DerivedAsrLimitFitsTheBudget) {
  constexpr uint64_t GiB = 1ull << 30;
  EXPECT_EQ(derivedAsrSessionLimit(0), 256);  // unknown
  EXPECT_EQ(derivedAsrSessionLimit(1 * GiB), 1);
  int at24 = derivedAsrSessionLimit(24 * GiB);
  EXPECT_GT(at24, 100);
  EXPECT_LT(uint64_t(at24) * 85 * (1 << 20), 24 * GiB);
  EXPECT_LT(derivedAsrSessionLimit(4 * GiB), at24);
  EXPECT_GT(memoryBudgetBytes(), 0u);  // this machine has /proc/meminfo
}

TEST(StrictUtf8, RefusesOverlongsSurrogatesAndTruncation) {
  EXPECT_TRUE(isValidUtf8("你好 ok \xef\xbf\xbd"));  // a real U+FFFD is valid text
  EXPECT_FALSE(isValidUtf8("\xc0\xaf"));             // overlong '/'
  EXPECT_FALSE(isValidUtf8("\xed\xa0\x80"));         // a UTF-16 surrogate
  EXPECT_FALSE(isValidUtf8("\xf4\x90\x80\x80"));     // past U+10FFFF
  EXPECT_FALSE(isValidUtf8("\xe4\xbd"));             // cut short
  std::vector<char32_t> decoded = utf8Decode(
      "a\xc0\xaf"
      "b");
  ASSERT_GE(decoded.size(), 3u);
  EXPECT_EQ(decoded.front(), U'a');
  EXPECT_EQ(decoded.back(), U'b');
  for (size_t i = 1; i + 1 < decoded.size(); ++i) EXPECT_EQ(decoded[i], char32_t(0xFFFD));  // never a '/'
  EXPECT_EQ(utf8Encode(std::u32string{U'你', 0xD800, U'x'}), "你\xef\xbf\xbdx");
}
