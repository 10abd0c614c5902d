// Tests for PerturbridgeCLI are added with the module's features.
