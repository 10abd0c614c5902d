// Tests for PerturbTensor are added with the module's features.
