// Tests for PerturbData are added with the module's features.
