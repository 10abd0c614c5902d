// Tests for PerturbIO are added with the module's features.
