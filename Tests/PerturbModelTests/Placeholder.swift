// Tests for PerturbModel are added with the module's features.
