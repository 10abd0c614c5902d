// Tests for PerturbChem are added with the module's features.
