print("perturbridge-bench: benchmarks are being built")
