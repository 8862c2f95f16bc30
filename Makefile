# solidarity - the thin front end. CMake presets do the work (CMakePresets.json).
#   make demo   bootstrap, build, import the sample intel, show the result
#   make test   bootstrap, build under ASan+UBSan, run every test (CTest)
#   make bench  release build, benchmarks against ../shared/data (bench/)
#   make fuzz   libFuzzer (clang-14) on every target for FUZZ_SECONDS each
FUZZ_SECONDS ?= 20
JOBS ?= $(shell nproc)

.PHONY: all deps demo test bench fuzz fmt clean

all: deps
	cmake --preset dev >/dev/null && cmake --build --preset dev -j $(JOBS)

deps:
	@scripts/bootstrap

demo: all
	scripts/demo build/dev/solidarity

test: deps
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)
	scripts/check-format
	ctest --preset asan

bench: deps
	@scripts/bootstrap --bench
	cmake --preset release >/dev/null && cmake --build --preset release -j $(JOBS)
	bench/run.sh build/release/solidarity

fuzz: deps
	cmake --preset fuzz >/dev/null && cmake --build --preset fuzz -j $(JOBS)
	scripts/fuzz build/fuzz $(FUZZ_SECONDS)

fmt:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build
