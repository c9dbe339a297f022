# The README's two commands live here: `make demo` (the main job) and `make test` (every lane).
SHELL := /bin/bash
.DEFAULT_GOAL := build

.PHONY: deps build demo test fuzz format tidy clean

deps:
	scripts/install-deps.sh all

build:
	scripts/install-deps.sh build
	cmake --preset ci >/dev/null
	cmake --build --preset ci

demo:
	scripts/demo.sh

test:
	scripts/test.sh

fuzz:
	scripts/install-deps.sh build fuzz
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

# clang-tidy on the files changed against main (not part of CI: it is slow on 2 cores).
tidy:
	cmake --preset ci >/dev/null
	git diff --name-only --diff-filter=AM $${BASE:-main} -- '*.cc' | xargs -r clang-tidy -p build/ci --quiet

clean:
	rm -rf build
