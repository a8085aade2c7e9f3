#include "valor/rank/comparison_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "valor/core/error.h"

namespace valor::rank {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class ComparisonReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           (std::string("valor_reader_") + info->name() + "_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::ofstream out(path, std::ios::binary);
    out << text;
    return path;
  }

  // The message of the valor::Error that reading `path` throws ("" if none).
  static std::string error_of(const fs::path& path, const ReadOptions& options = {}) {
    try {
      read_comparisons(path, options);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }

  fs::path dir_;
};

TEST_F(ComparisonReaderTest, ArenaLabelsCsv) {
  const auto path = write("battles.csv",
                          "question_id,model_a,model_b,winner,judge\n"
                          "1,gpt-4,claude,model_a,x\n"
                          "2,gpt-4,claude,model_b,x\n"
                          "3,claude,llama,tie,x\n"
                          "4,llama,gpt-4,tie (bothbad),x\n");
  ReadReport report;
  const auto set = read_comparisons(path, {}, &report);
  EXPECT_EQ(report.rows, 4u);
  EXPECT_EQ(report.used, 4u);
  EXPECT_EQ(report.skipped, 0u);
  ASSERT_EQ(set.num_items(), 3u);
  EXPECT_EQ(set.name(0), "gpt-4");
  EXPECT_EQ(set.name(1), "claude");
  EXPECT_EQ(set.name(2), "llama");
  const auto& c = set.comparisons();
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[0].a, 0);
  EXPECT_EQ(c[0].b, 1);
  EXPECT_EQ(c[0].outcome, 1.0);
  EXPECT_FALSE(c[0].tie);
  EXPECT_EQ(c[1].outcome, 0.0);
  EXPECT_FALSE(c[1].tie);
  EXPECT_EQ(c[2].a, 1);
  EXPECT_EQ(c[2].b, 2);
  EXPECT_EQ(c[2].outcome, 0.5);
  EXPECT_TRUE(c[2].tie);
  EXPECT_EQ(c[3].a, 2);
  EXPECT_EQ(c[3].b, 0);
  EXPECT_EQ(c[3].outcome, 0.5);
  EXPECT_TRUE(c[3].tie);
  for (const auto& x : c) EXPECT_EQ(x.weight, 1.0);
}

TEST_F(ComparisonReaderTest, ArenaLabelsJsonl) {
  const auto path =
      write("battles.jsonl",
            "{\"model_a\": \"gpt-4\", \"model_b\": \"claude\", \"winner\": \"model_a\", "
            "\"turn\": 1}\n"
            "\n"
            "{\"model_a\": \"claude\", \"model_b\": \"gpt-4\", \"winner\": \"tie "
            "(bothbad)\"}\n"
            "{\"model_b\": \"llama\", \"model_a\": \"claude\", \"winner\": \"model_b\"}\n");
  ReadReport report;
  const auto set = read_comparisons(path, {}, &report);
  EXPECT_EQ(report.rows, 3u);
  EXPECT_EQ(report.used, 3u);
  ASSERT_EQ(set.comparisons().size(), 3u);
  EXPECT_EQ(set.num_items(), 3u);
  EXPECT_EQ(set.comparisons()[0].outcome, 1.0);
  EXPECT_EQ(set.comparisons()[1].outcome, 0.5);
  EXPECT_TRUE(set.comparisons()[1].tie);
  EXPECT_EQ(set.comparisons()[1].a, 1);
  EXPECT_EQ(set.comparisons()[2].outcome, 0.0);
  EXPECT_EQ(set.comparisons()[2].b, 2);
}

TEST_F(ComparisonReaderTest, JsonExtensionIsJsonLines) {
  const auto path =
      write("b.json", "{\"model_a\": \"x\", \"model_b\": \"y\", \"winner\": \"model_a\"}\r\n");
  EXPECT_EQ(read_comparisons(path).comparisons().size(), 1u);
}

TEST_F(ComparisonReaderTest, SoftOutcomesAndWeights) {
  const auto csv = write("soft.csv",
                         "left,right,p,w\n"
                         "a,b,0.75,2\n"
                         "b,c,0,0.5\n"
                         "c,a,1,1e0\n"
                         "a,c,0.5,3\n");
  ReadOptions options;
  options.col_a = "left";
  options.col_b = "right";
  options.col_outcome = "p";
  options.col_weight = "w";
  const auto set = read_comparisons(csv, options);
  const auto& c = set.comparisons();
  ASSERT_EQ(c.size(), 4u);
  EXPECT_DOUBLE_EQ(c[0].outcome, 0.75);
  EXPECT_FALSE(c[0].tie);
  EXPECT_DOUBLE_EQ(c[0].weight, 2.0);
  EXPECT_DOUBLE_EQ(c[1].outcome, 0.0);
  EXPECT_DOUBLE_EQ(c[1].weight, 0.5);
  EXPECT_DOUBLE_EQ(c[2].outcome, 1.0);
  EXPECT_DOUBLE_EQ(c[3].outcome, 0.5);
  EXPECT_TRUE(c[3].tie);
  EXPECT_DOUBLE_EQ(c[3].weight, 3.0);

  const auto jsonl = write("soft.jsonl",
                           "{\"left\": \"a\", \"right\": \"b\", \"p\": 0.25, \"w\": 4}\n"
                           "{\"left\": \"b\", \"right\": \"a\", \"p\": \"0.6\", \"w\": 1.5}\n");
  const auto set2 = read_comparisons(jsonl, options);
  ASSERT_EQ(set2.comparisons().size(), 2u);
  EXPECT_DOUBLE_EQ(set2.comparisons()[0].outcome, 0.25);
  EXPECT_DOUBLE_EQ(set2.comparisons()[0].weight, 4.0);
  EXPECT_DOUBLE_EQ(set2.comparisons()[1].outcome, 0.6);
  EXPECT_DOUBLE_EQ(set2.comparisons()[1].weight, 1.5);
}

TEST_F(ComparisonReaderTest, QuotedCsvFields) {
  const auto path = write("quoted.csv",
                          "\xEF\xBB\xBFmodel_a,\"model_b\",winner,prompt\r\n"
                          "\"org/model, v1\",plain,model_a,\"say \"\"hi\"\", please\"\r\n"
                          "plain,\"org/model, v1\",\"tie (bothbad)\",\"two\nlines\"\r\n"
                          "\"\"\"q\"\"\",plain,model_b,\r\n");
  ReadReport report;
  const auto set = read_comparisons(path, {}, &report);
  EXPECT_EQ(report.used, 3u);
  ASSERT_EQ(set.num_items(), 3u);
  EXPECT_EQ(set.name(0), "org/model, v1");
  EXPECT_EQ(set.name(1), "plain");
  EXPECT_EQ(set.name(2), "\"q\"");
  ASSERT_EQ(set.comparisons().size(), 3u);
  EXPECT_EQ(set.comparisons()[1].a, 1);
  EXPECT_EQ(set.comparisons()[1].b, 0);
  EXPECT_TRUE(set.comparisons()[1].tie);
  EXPECT_EQ(set.comparisons()[2].outcome, 0.0);
}

TEST_F(ComparisonReaderTest, UnsupportedExtension) {
  const auto path = write("battles.parquet", "x");
  const auto message = error_of(path);
  EXPECT_THAT(message, HasSubstr("battles.parquet"));
  EXPECT_THAT(message, HasSubstr(".csv"));
  EXPECT_THAT(message, HasSubstr(".jsonl"));
}

TEST_F(ComparisonReaderTest, MissingFileAndDirectoryAreNamed) {
  const auto missing = error_of(dir_ / "absent.csv");
  EXPECT_THAT(missing, HasSubstr("absent.csv: cannot open for reading: No such file"));
  fs::create_directories(dir_ / "folder.csv");
  EXPECT_THAT(error_of(dir_ / "folder.csv"), HasSubstr("folder.csv: is a directory"));
  fs::create_directories(dir_ / "plain");
  EXPECT_THAT(error_of(dir_ / "plain"), HasSubstr("plain: is a directory"));
}

TEST_F(ComparisonReaderTest, MissingHeaderColumnListsColumns) {
  const auto path = write("h.csv", "model_a,model_b,result\nx,y,model_a\n");
  const auto message = error_of(path);
  EXPECT_THAT(message, HasSubstr("h.csv:1:"));
  EXPECT_THAT(message, HasSubstr("'winner'"));
  EXPECT_THAT(message, HasSubstr("model_a, model_b, result"));

  ReadOptions options;
  options.col_winner = "result";
  options.col_weight = "w";
  EXPECT_THAT(error_of(path, options), HasSubstr("'w'"));
}

TEST_F(ComparisonReaderTest, WrongColumnCount) {
  const auto path = write("c.csv", "model_a,model_b,winner\nx,y,model_a\nx,y\n");
  EXPECT_THAT(error_of(path), HasSubstr("c.csv:3:"));
  EXPECT_THAT(error_of(path), HasSubstr("2 fields"));
}

TEST_F(ComparisonReaderTest, UnterminatedQuote) {
  const auto path = write("q.csv", "model_a,model_b,winner\nx,\"y,model_a\n");
  EXPECT_THAT(error_of(path), HasSubstr("q.csv:2:"));
}

TEST_F(ComparisonReaderTest, BadJson) {
  const auto path = write("j.jsonl",
                          "{\"model_a\": \"x\", \"model_b\": \"y\", \"winner\": \"model_a\"}\n"
                          "{\"model_a\": \"x\", \n");
  EXPECT_THAT(error_of(path), HasSubstr("j.jsonl:2:"));
  const auto path2 = write("k.jsonl", "[1, 2]\n");
  EXPECT_THAT(error_of(path2), HasSubstr("k.jsonl:1:"));
  const auto path3 = write("m.jsonl", "{\"model_a\": \"x\", \"winner\": \"model_a\"}\n");
  EXPECT_THAT(error_of(path3), HasSubstr("m.jsonl:1:"));
  EXPECT_THAT(error_of(path3), HasSubstr("'model_b'"));
  const auto path4 =
      write("n.jsonl", "{\"model_a\": \"x\", \"model_b\": 3, \"winner\": \"tie\"}\n");
  EXPECT_THAT(error_of(path4), HasSubstr("n.jsonl:1:"));
}

TEST_F(ComparisonReaderTest, UnknownWinnerListsLabels) {
  const auto path = write("w.csv", "model_a,model_b,winner\nx,y,model_a\nx,y,model_c\n");
  const auto message = error_of(path);
  EXPECT_THAT(message, HasSubstr("w.csv:3:"));
  EXPECT_THAT(message, HasSubstr("model_c"));
  EXPECT_THAT(message, HasSubstr("tie (bothbad)"));
}

TEST_F(ComparisonReaderTest, OutcomeOutsideUnitIntervalOrNan) {
  ReadOptions options;
  options.col_outcome = "p";
  EXPECT_THAT(error_of(write("o1.csv", "model_a,model_b,p\nx,y,1.5\n"), options),
              HasSubstr("o1.csv:2:"));
  EXPECT_THAT(error_of(write("o2.csv", "model_a,model_b,p\nx,y,-0.1\n"), options),
              HasSubstr("o2.csv:2:"));
  EXPECT_THAT(error_of(write("o3.csv", "model_a,model_b,p\nx,y,1\nx,y,nan\n"), options),
              HasSubstr("o3.csv:3:"));
  EXPECT_THAT(error_of(write("o4.csv", "model_a,model_b,p\nx,y,abc\n"), options),
              HasSubstr("o4.csv:2:"));
  EXPECT_THAT(error_of(write("o5.csv", "model_a,model_b,p\nx,y,\n"), options),
              HasSubstr("o5.csv:2:"));
}

TEST_F(ComparisonReaderTest, SelfComparison) {
  const auto message = error_of(write("s.csv", "model_a,model_b,winner\nx,y,tie\nz,z,model_a\n"));
  EXPECT_THAT(message, HasSubstr("s.csv:3:"));
  EXPECT_THAT(message, HasSubstr("'z'"));
}

TEST_F(ComparisonReaderTest, NonPositiveWeight) {
  ReadOptions options;
  options.col_weight = "w";
  EXPECT_THAT(error_of(write("w1.csv", "model_a,model_b,winner,w\nx,y,tie,0\n"), options),
              HasSubstr("w1.csv:2:"));
  EXPECT_THAT(error_of(write("w2.csv", "model_a,model_b,winner,w\nx,y,tie,-1\n"), options),
              HasSubstr("w2.csv:2:"));
  EXPECT_THAT(error_of(write("w3.jsonl",
                             "{\"model_a\": \"x\", \"model_b\": \"y\", \"winner\": \"tie\", "
                             "\"w\": 0}\n"),
                       options),
              HasSubstr("w3.jsonl:1:"));
}

TEST_F(ComparisonReaderTest, EmptyInput) {
  EXPECT_THAT(error_of(write("e1.csv", "")), HasSubstr("e1.csv"));
  EXPECT_THAT(error_of(write("e2.csv", "model_a,model_b,winner\n")), HasSubstr("no data rows"));
  EXPECT_THAT(error_of(write("e3.jsonl", "\n\n")), HasSubstr("no data rows"));
}

TEST_F(ComparisonReaderTest, SkipBadCountsRows) {
  const auto path = write("bad.csv",
                          "model_a,model_b,winner\n"
                          "x,y,model_a\n"
                          "x,y,model_z\n"
                          "x,x,model_a\n"
                          "x,y\n"
                          "new,y,model_b\n"
                          "\n");
  ReadOptions options;
  options.skip_bad = true;
  ReadReport report;
  const auto set = read_comparisons(path, options, &report);
  EXPECT_EQ(report.rows, 5u);
  EXPECT_EQ(report.used, 2u);
  EXPECT_EQ(report.skipped, 3u);
  EXPECT_THAT(report.first_skipped, HasSubstr("bad.csv:3:"));
  EXPECT_THAT(report.first_skipped, HasSubstr("model_z"));
  EXPECT_EQ(set.comparisons().size(), 2u);
  // Skipped rows add no items.
  EXPECT_EQ(set.num_items(), 3u);

  const auto jsonl = write("bad.jsonl",
                           "not json\n"
                           "{\"model_a\": \"x\", \"model_b\": \"y\", \"winner\": \"tie\"}\n");
  ReadReport report2;
  const auto set2 = read_comparisons(jsonl, options, &report2);
  EXPECT_EQ(report2.rows, 2u);
  EXPECT_EQ(report2.skipped, 1u);
  EXPECT_THAT(report2.first_skipped, HasSubstr("bad.jsonl:1:"));
  EXPECT_EQ(set2.comparisons().size(), 1u);
}

TEST_F(ComparisonReaderTest, SkipBadStillFailsWhenNothingUsable) {
  ReadOptions options;
  options.skip_bad = true;
  const auto message =
      error_of(write("allbad.csv", "model_a,model_b,winner\nx,x,tie\nx,y,win\n"), options);
  EXPECT_THAT(message, HasSubstr("allbad.csv"));
  EXPECT_THAT(message, HasSubstr("2 skipped"));
  // A missing header column is not a row error: still fatal.
  EXPECT_THAT(error_of(write("nohdr.csv", "a,b,c\nx,y,z\n"), options), HasSubstr("'model_a'"));
}

TEST_F(ComparisonReaderTest, MillionRowCsv) {
  const auto path = dir_ / "big.csv";
  constexpr int kRows = 1'000'000;
  constexpr int kModels = 50;
  {
    std::ofstream out(path, std::ios::binary);
    out << "question_id,model_a,model_b,winner,language\n";
    std::mt19937 rng(7);
    const char* labels[] = {"model_a", "model_b", "tie", "tie (bothbad)"};
    for (int i = 0; i < kRows; ++i) {
      const int a = static_cast<int>(rng() % kModels);
      const int b = (a + 1 + static_cast<int>(rng() % (kModels - 1))) % kModels;
      out << i << ",model-" << a << ",\"model-" << b << "\"," << labels[rng() % 4] << ",English\n";
    }
  }
  ReadReport report;
  const auto set = read_comparisons(path, {}, &report);
  EXPECT_EQ(report.rows, static_cast<size_t>(kRows));
  EXPECT_EQ(report.used, static_cast<size_t>(kRows));
  EXPECT_EQ(set.comparisons().size(), static_cast<size_t>(kRows));
  EXPECT_EQ(set.num_items(), static_cast<size_t>(kModels));
}

TEST_F(ComparisonReaderTest, RankingsCsvFullAndTopK) {
  const auto path = write("rankings.csv",
                          "id,ranking,w\n"
                          "1,a > b > c,2\n"
                          "2,\"c>a\",1\n"
                          "3, b > a | c | d ,0.5\n");
  ReadOptions options;
  options.col_weight = "w";
  EXPECT_TRUE(read_comparisons_or_rankings(path, options).rankings_input);
  ReadReport report;
  const RankingData data = read_rankings(path, options, &report);
  EXPECT_EQ(report.rows, 3u);
  EXPECT_EQ(report.used, 3u);
  ASSERT_EQ(data.items.num_items(), 4u);
  EXPECT_EQ(data.items.name(0), "a");
  EXPECT_EQ(data.items.name(3), "d");
  EXPECT_TRUE(data.items.comparisons().empty());
  ASSERT_EQ(data.rankings.size(), 3u);
  EXPECT_EQ(data.rankings[0].order, (std::vector<int32_t>{0, 1, 2}));
  EXPECT_TRUE(data.rankings[0].unranked.empty());
  EXPECT_EQ(data.rankings[0].weight, 2.0);
  EXPECT_EQ(data.rankings[1].order, (std::vector<int32_t>{2, 0}));
  EXPECT_EQ(data.rankings[2].order, (std::vector<int32_t>{1, 0}));
  EXPECT_EQ(data.rankings[2].unranked, (std::vector<int32_t>{2, 3}));
  EXPECT_EQ(data.rankings[2].weight, 0.5);
}

TEST_F(ComparisonReaderTest, RankingsJsonl) {
  const auto path = write("rankings.jsonl",
                          "{\"ranking\": [\"x\", \"y\", \"z\"]}\n"
                          "\n"
                          "{\"ranking\": \"z > x\", \"unranked\": [\"y\"]}\n"
                          "{\"ranking\": [\"y\"], \"unranked\": [\"w\"]}\n");
  EXPECT_TRUE(read_comparisons_or_rankings(path).rankings_input);
  const RankingData data = read_rankings(path);
  ASSERT_EQ(data.rankings.size(), 3u);
  EXPECT_EQ(data.rankings[1].order, (std::vector<int32_t>{2, 0}));
  EXPECT_EQ(data.rankings[1].unranked, (std::vector<int32_t>{1}));
  EXPECT_EQ(data.rankings[2].order, (std::vector<int32_t>{1}));
  EXPECT_EQ(data.items.num_items(), 4u);
  // Pairwise files are not ranking files.
  const InputData pairs =
      read_comparisons_or_rankings(write("pairs.csv", "model_a,model_b,winner\na,b,model_a\n"));
  EXPECT_FALSE(pairs.rankings_input);
  EXPECT_EQ(pairs.items.comparisons().size(), 1u);
  EXPECT_FALSE(
      read_comparisons_or_rankings(
          write("pairs.jsonl", "\n{\"model_a\": \"a\", \"model_b\": \"b\", \"winner\": \"tie\"}\n"))
          .rankings_input);
}

TEST_F(ComparisonReaderTest, BadRankingsNameTheLine) {
  auto error_of_rankings = [](const fs::path& path, const ReadOptions& options = {}) {
    try {
      read_rankings(path, options);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  const auto twice = write("twice.csv", "ranking\na > b\nb > c > b\n");
  EXPECT_THAT(error_of_rankings(twice), HasSubstr("twice.csv:3"));
  EXPECT_THAT(error_of_rankings(twice), HasSubstr("'b' is listed twice"));
  const auto one = write("one.csv", "ranking\na\n");
  EXPECT_THAT(error_of_rankings(one), HasSubstr("one.csv:2"));
  EXPECT_THAT(error_of_rankings(one), HasSubstr("at least two items"));
  const auto empty_name = write("empty_name.csv", "ranking\na > > b\n");
  EXPECT_THAT(error_of_rankings(empty_name), HasSubstr("empty item name"));
  const auto json = write("bad.jsonl", "{\"ranking\": [\"a\", 3]}\n");
  EXPECT_THAT(error_of_rankings(json), HasSubstr("bad.jsonl:1"));
  const auto no_key = write("nokey.jsonl", "{\"ranking\": [\"a\", \"b\"]}\n{\"rank\": 1}\n");
  EXPECT_THAT(error_of_rankings(no_key), HasSubstr("nokey.jsonl:2: no key 'ranking'"));
  const auto column = write("column.csv", "order\na > b\n");
  EXPECT_THAT(error_of_rankings(column), HasSubstr("no column 'ranking'"));
  ReadOptions named;
  named.col_ranking = "order";
  EXPECT_EQ(read_rankings(column, named).rankings.size(), 1u);
  // --skip-bad counts them.
  const auto mixed = write("mixed.csv", "ranking\na > b\na\nb > a > b\nc > a\n");
  ReadOptions skip;
  skip.skip_bad = true;
  ReadReport report;
  const RankingData data = read_rankings(mixed, skip, &report);
  EXPECT_EQ(report.rows, 4u);
  EXPECT_EQ(report.used, 2u);
  EXPECT_EQ(report.skipped, 2u);
  EXPECT_THAT(report.first_skipped, HasSubstr("mixed.csv:3"));
  EXPECT_EQ(data.rankings.size(), 2u);
}

TEST_F(ComparisonReaderTest, EmptyItemNamesNameTheLine) {
  const auto csv = write("blank.csv", "model_a,model_b,winner\na,b,model_a\n,b,model_a\n");
  EXPECT_THAT(error_of(csv), HasSubstr("blank.csv:3: empty item name in column 'model_a'"));
  const auto spaces = write("spaces.csv", "model_a,model_b,winner\na,b,model_a\na,  ,tie\n");
  EXPECT_THAT(error_of(spaces), HasSubstr("spaces.csv:3: empty item name in column 'model_b'"));
  const auto jsonl =
      write("blank.jsonl", "{\"model_a\": \"\", \"model_b\": \"b\", \"winner\": \"tie\"}\n");
  EXPECT_THAT(error_of(jsonl), HasSubstr("blank.jsonl:1: empty item name in column 'model_a'"));
  ReadOptions skip;
  skip.skip_bad = true;
  ReadReport report;
  const auto set = read_comparisons(csv, skip, &report);
  EXPECT_EQ(report.skipped, 1u);
  EXPECT_EQ(set.num_items(), 2u);
}

// A line longer than the limit is an error naming the limit, read without holding it whole; what
// a message quotes of a field is cut short.
TEST_F(ComparisonReaderTest, LongLinesAndFieldsAreBounded) {
  const std::string huge(3000, 'x');
  const auto path = write("long.csv", "model_a,model_b,winner\na,b,model_a\na,b," + huge + "\n");
  ReadOptions options;
  options.max_line_bytes = 1000;
  const auto message = error_of(path, options);
  EXPECT_THAT(message, HasSubstr("long.csv:3: a line (or quoted CSV record) longer than 1000"));
  EXPECT_LT(message.size(), 400u);
  // A quoted record spanning lines counts as a whole.
  const auto quoted = write("quoted.csv", "model_a,model_b,winner\na,b,\"" + std::string(600, 'q') +
                                              "\n" + std::string(600, 'q') + "\"\n");
  EXPECT_THAT(error_of(quoted, options), HasSubstr("quoted.csv:2: a line (or quoted"));
  // Under the default limit the row is read, and the message quotes 120 bytes of the label.
  const auto label = error_of(path);
  EXPECT_THAT(label, HasSubstr("long.csv:3: unknown winner 'xxxx"));
  EXPECT_THAT(label, HasSubstr("... (3000 bytes in all)"));
  EXPECT_LT(label.size(), 400u);
  // A huge header is quoted short too.
  const auto header = write("header.csv", "model_a,model_b," + huge + "\na,b,c\n");
  const auto columns = error_of(header);
  EXPECT_THAT(columns, HasSubstr("no column 'winner'"));
  EXPECT_LT(columns.size(), 800u);
}

TEST_F(ComparisonReaderTest, CarriageReturnOnlyLineEnds) {
  std::string text = "model_a,model_b,winner\r";
  for (int k = 0; k < 1000; ++k) text += "a,b,model_a\rb,a,model_a\r";
  const auto message = error_of(write("mac.csv", text));
  EXPECT_THAT(message, HasSubstr("mac.csv:1: the line holds a carriage return"));
  EXPECT_THAT(message, HasSubstr("CR alone"));
  EXPECT_LT(message.size(), 400u);
  // CR LF is fine.
  EXPECT_EQ(read_comparisons(write("dos.csv", "model_a,model_b,winner\r\na,b,tie\r\n"))
                .comparisons()
                .size(),
            1u);
}

TEST_F(ComparisonReaderTest, FormatWithoutExtensionIsSniffedOrGiven) {
  const auto csv = write("battles", "model_a,model_b,winner\na,b,model_a\n");
  EXPECT_EQ(read_comparisons(csv).comparisons().size(), 1u);
  const auto jsonl =
      write("log", "\n {\"model_a\": \"a\", \"model_b\": \"b\", \"winner\": \"tie\"}\n");
  const auto set = read_comparisons(jsonl);
  ASSERT_EQ(set.comparisons().size(), 1u);
  EXPECT_TRUE(set.comparisons()[0].tie);
  // Given explicitly, the format overrides the extension.
  const auto named = write("battles.txt", "model_a,model_b,winner\na,b,model_a\n");
  EXPECT_THAT(error_of(named), HasSubstr("name the format"));
  ReadOptions options;
  options.format = InputFormat::kCsv;
  EXPECT_EQ(read_comparisons(named, options).comparisons().size(), 1u);
  options.format = InputFormat::kJsonl;
  EXPECT_THAT(error_of(named, options), HasSubstr("battles.txt:1: malformed JSON"));
}

// A named pipe can be read only once: the reader must not open it twice (it would block).
TEST_F(ComparisonReaderTest, NamedPipeIsReadOnce) {
  for (const bool rankings : {false, true}) {
    const auto fifo = dir_ / (rankings ? "ranks_pipe" : "pairs_pipe");
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    const std::string text =
        rankings ? "ranking\na > b\nb > c > a\n" : "model_a,model_b,winner\na,b,model_a\nb,c,tie\n";
    std::thread writer([&] {
      std::ofstream out(fifo, std::ios::binary);
      out << text;
    });
    const InputData data = read_comparisons_or_rankings(fifo);
    writer.join();
    EXPECT_EQ(data.rankings_input, rankings);
    EXPECT_EQ(data.items.num_items(), 3u);
    EXPECT_EQ(rankings ? data.rankings.size() : data.items.comparisons().size(), 2u);
  }
}

}  // namespace
}  // namespace valor::rank
