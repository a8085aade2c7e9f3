#include "valor/run/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>

#include "valor/core/atomic_file.h"
#include "valor/core/error.h"
#include "valor/run/testing_temp_dir.h"

namespace valor::run {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(MetricsTest, RoundTripsFullPrecisionNaNAndInfinity) {
  testing::TempDir tmp;
  const fs::path file = tmp / "metrics.csv";
  const std::vector<std::vector<double>> rows = {
      {0, 0.1, 1.0 / 3.0},
      {1, kNaN, -2.2250738585072014e-308},
      {2, 1e300, std::nextafter(1.0, 2.0)},
      {3, -kInf, 123456789.123456789},
  };
  {
    MetricsWriter writer = MetricsWriter::create(file, {"step", "loss", "return"});
    for (const auto& row : rows) writer.append(row);
    EXPECT_EQ(writer.row_count(), 4u);
    // Each row reaches the file on append, before the writer closes.
    EXPECT_EQ(read_metrics_csv(file).rows.size(), 4u);
  }
  const MetricsTable table = read_metrics_csv(file);
  EXPECT_EQ(table.columns, (std::vector<std::string>{"step", "loss", "return"}));
  ASSERT_EQ(table.rows.size(), rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t c = 0; c < 3; ++c) {
      if (std::isnan(rows[r][c])) {
        EXPECT_TRUE(std::isnan(table.rows[r][c])) << r << "," << c;
      } else {
        EXPECT_EQ(table.rows[r][c], rows[r][c]) << r << "," << c;  // bit-exact
      }
    }
  }
  EXPECT_THAT(read_file(file), HasSubstr("\n1,,-2.2250738585072014e-308\n"));
  EXPECT_EQ(table.column_index("return"), 2u);
  EXPECT_EQ(table.column_index("nope"), std::nullopt);
  EXPECT_EQ(table.column(0), (std::vector<double>{0, 1, 2, 3}));
}

TEST(MetricsTest, SingleColumnNaNRowIsAnEmptyLine) {
  testing::TempDir tmp;
  const fs::path file = tmp / "m.csv";
  {
    MetricsWriter writer = MetricsWriter::create(file, {"loss"});
    writer.append(std::vector<double>{kNaN});
    writer.append(std::vector<double>{2.5});
  }
  EXPECT_EQ(read_file(file), "loss\n\n2.5\n");
  const MetricsTable table = read_metrics_csv(file);
  ASSERT_EQ(table.rows.size(), 2u);
  EXPECT_TRUE(std::isnan(table.rows[0][0]));
  EXPECT_EQ(table.rows[1][0], 2.5);
}

TEST(MetricsTest, ResumeWithDifferentHeaderNamesFileAndBothHeaders) {
  testing::TempDir tmp;
  const fs::path file = tmp / "metrics.csv";
  MetricsWriter::create(file, {"step", "loss"});
  try {
    MetricsWriter::open_for_resume(file, {"step", "return"});
    FAIL() << "expected valor::Error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr(file.string()));
    EXPECT_THAT(e.what(), HasSubstr("'step,loss'"));
    EXPECT_THAT(e.what(), HasSubstr("'step,return'"));
  }
}

TEST(MetricsTest, ResumeContinuesAfterExistingRows) {
  testing::TempDir tmp;
  const fs::path file = tmp / "metrics.csv";
  {
    MetricsWriter writer = MetricsWriter::create(file, {"step", "loss"});
    writer.append(std::vector<double>{1, 0.5});
  }
  {
    MetricsWriter writer = MetricsWriter::open_for_resume(file, {"step", "loss"});
    EXPECT_EQ(writer.row_count(), 1u);
    writer.append(std::vector<double>{2, 0.25});
  }
  EXPECT_EQ(read_file(file), "step,loss\n1,0.5\n2,0.25\n");
}

TEST(MetricsTest, ResumeDropsACutShortLastLine) {
  testing::TempDir tmp;
  const fs::path file = tmp / "metrics.csv";
  write_file_atomically(file, "step,loss\n1,0.5\n2,0.2");
  EXPECT_EQ(read_metrics_csv(file).rows.size(), 1u);
  {
    MetricsWriter writer = MetricsWriter::open_for_resume(file, {"step", "loss"});
    EXPECT_EQ(writer.row_count(), 1u);
    writer.append(std::vector<double>{2, 0.25});
  }
  EXPECT_EQ(read_file(file), "step,loss\n1,0.5\n2,0.25\n");
}

TEST(MetricsTest, TruncateRowsKeepsFirstRowsAndAppendsAfterThem) {
  testing::TempDir tmp;
  const fs::path file = tmp / "metrics.csv";
  MetricsWriter writer = MetricsWriter::create(file, {"step", "loss"});
  for (int i = 1; i <= 5; ++i) writer.append(std::vector<double>{double(i), i * 0.5});
  writer.truncate_rows(2);
  EXPECT_EQ(writer.row_count(), 2u);
  EXPECT_EQ(read_file(file), "step,loss\n1,0.5\n2,1\n");
  writer.append(std::vector<double>{3, 9});
  EXPECT_EQ(read_file(file), "step,loss\n1,0.5\n2,1\n3,9\n");
  writer.truncate_rows(0);
  EXPECT_EQ(read_file(file), "step,loss\n");
  EXPECT_THROW(writer.truncate_rows(1), Error);
  for (const auto& entry : fs::directory_iterator(tmp.path())) {
    EXPECT_EQ(entry.path().filename(), "metrics.csv");
  }
}

TEST(MetricsTest, MalformedLinesNameFileAndLine) {
  testing::TempDir tmp;
  const fs::path file = tmp / "bad.csv";
  write_file_atomically(file, "a,b\n1,2\n3\n");
  try {
    read_metrics_csv(file);
    FAIL() << "expected valor::Error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr(file.string() + ":3:"));
  }
  write_file_atomically(file, "a,b\n1,2\n3,4\n5,x7\n");
  try {
    read_metrics_csv(file);
    FAIL() << "expected valor::Error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr(file.string() + ":4:"));
    EXPECT_THAT(e.what(), HasSubstr("'x7'"));
  }
  write_file_atomically(file, "a,b\n1,2.5.3\n");
  EXPECT_THROW(read_metrics_csv(file), Error);
  EXPECT_THROW(read_metrics_csv(tmp / "missing.csv"), Error);
}

TEST(MetricsTest, RejectsColumnNamesThatBreakTheFormat) {
  testing::TempDir tmp;
  EXPECT_THROW(MetricsWriter::create(tmp / "m.csv", {"a,b"}), Error);
  EXPECT_THROW(MetricsWriter::create(tmp / "m.csv", {"a", "a"}), Error);
  EXPECT_THROW(MetricsWriter::create(tmp / "m.csv", {""}), Error);
  EXPECT_THROW(MetricsWriter::create(tmp / "m.csv", {}), Error);
}

}  // namespace
}  // namespace valor::run
