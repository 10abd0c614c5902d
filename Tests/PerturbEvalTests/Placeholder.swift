// Tests for PerturbEval are added with the module's features.
