// Tests for PerturbNN are added with the module's features.
