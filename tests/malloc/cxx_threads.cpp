// SPDX-License-Identifier: MIT
// A C++ program of std containers and threads, run under glibc and under
// libkmm-malloc by tests/malloc/programs.sh: its output must be identical.
#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

struct alignas(64) Line {
	long v[8];
};

int main()
{
	std::mutex mu;
	std::map<int, std::string> shared;
	std::vector<std::thread> threads;
	for (int t = 0; t < 4; t++)
		threads.emplace_back([t, &mu, &shared] {
			std::unordered_map<std::string, std::vector<int>> local;
			for (int i = 0; i < 20000; i++)
				local[std::to_string(i % 997)].push_back(i * t);
			std::vector<std::unique_ptr<Line>> lines;
			for (int i = 0; i < 1000; i++) {
				lines.emplace_back(new Line());
				if (reinterpret_cast<uintptr_t>(lines.back().get()) % 64)
					std::printf("misaligned\n");
			}
			long sum = 0;
			for (auto &kv : local)
				sum += static_cast<long>(kv.second.size()) + kv.second.back();
			std::lock_guard<std::mutex> g(mu);
			shared[t] = "thread " + std::to_string(t) + " sum " + std::to_string(sum);
		});
	for (auto &th : threads)
		th.join();
	for (auto &kv : shared)
		std::printf("%s\n", kv.second.c_str());
	std::vector<std::string> words;
	for (int i = 0; i < 50000; i++)
		words.push_back(std::string(static_cast<size_t>(i % 40), static_cast<char>('a' + i % 26)));
	std::sort(words.begin(), words.end());
	words.erase(std::unique(words.begin(), words.end()), words.end());
	std::printf("%zu distinct, last %s\n", words.size(), words.back().c_str());
	auto sp = std::make_shared<std::vector<double>>(1 << 20, 1.5);
	std::printf("%.1f\n", (*sp)[12345] * static_cast<double>(sp->size()));
	return 0;
}
