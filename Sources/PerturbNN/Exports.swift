// Users of the nn layer get the tensor engine (Tensor, Graph, Var, Parameter, ops) with one import.
@_exported import PerturbTensor
