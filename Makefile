# Two entry points: `make demo` (the main job on the embedded simulator) and `make test`.
.PHONY: deps build demo test bench format lint

deps:
	bash scripts/install-deps.sh

build: deps
	swift build -c release

demo: build
	.build/release/perturbridge demo --output checkpoints/demo

test: deps lint
	swift build --build-tests --explicit-target-dependency-import-check error
	swift test --skip-build

bench: build
	bash bench/run-all.sh

# swift-format (from the Swift toolchain) with .swift-format (line length 120). `make format` rewrites FORMAT_PATHS
# in place; `make lint` fails when a file there is not formatted or breaks a rule.
SWIFT_FORMAT ?= swift-format
FORMAT_PATHS ?= Package.swift Sources Tests

format:
	$(SWIFT_FORMAT) format --in-place --recursive --parallel $(FORMAT_PATHS)

lint:
	$(SWIFT_FORMAT) lint --strict --recursive --parallel $(FORMAT_PATHS)
