# Two entry points: `make demo` (the main job on the embedded simulator) and `make test`.
.PHONY: deps build demo test bench

deps:
	bash scripts/install-deps.sh

build: deps
	swift build -c release

demo: build
	.build/release/perturbridge demo --output checkpoints/demo

test: deps
	swift build --build-tests --explicit-target-dependency-import-check error
	swift test --skip-build

bench: build
	bash bench/run-all.sh
