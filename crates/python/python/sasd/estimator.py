"""A scikit-learn-style estimator: :class:`SaSD`.

Follows scikit-learn's estimator protocol (``get_params``/``set_params``,
``fit`` returning ``self``, fitted attributes ending in ``_``, no work in
``__init__``) without importing scikit-learn, so it works in sklearn
pipelines and ``clone`` when sklearn is installed and on its own otherwise.
"""

from __future__ import annotations

import inspect

import numpy as np

__all__ = ["SaSD", "NotFittedError"]


class NotFittedError(ValueError, AttributeError):
    """``transform`` (or a fitted attribute) used before ``fit``."""


class SaSD:
    """Short-and-sparse blind deconvolution as an estimator.

    ``fit`` learns the kernel(s) from a signal or an image with
    :func:`sasd.deconvolve`; ``transform`` returns the activation of new
    data with the learned kernel held fixed.

    Parameters
    ----------
    kernel_size : int, (int, int) or "auto", default 10
        Kernel length n0, (n1, n2) for images, or ``"auto"`` (1-D, one
        kernel: read from the data, see :func:`sasd.deconvolve`).
    method, lam, eta, bias, nonneg, kernels, boundary, baseline, seed, max_iterations, time_budget
        As in :func:`sasd.deconvolve`.
    no_refine : bool, default False
        No refinement, not even a recording's default one (as in
        :func:`sasd.deconvolve`).
    rate : float, optional
        Sampling rate in Hz: ``baseline`` is then in seconds and the events
        of ``result_`` have times (as in :func:`sasd.deconvolve`).
    transform_iterations : int, default 500
        Iterations of the fixed-kernel Lasso of :meth:`transform`.

    Attributes
    ----------
    kernel_ : ndarray
        The learned (first) kernel, unit norm.
    kernels_ : ndarray
        All learned kernels, stacked.
    activation_ : ndarray
        The activation of the training data (1-D for one signal; for 2-D
        ``X`` of traces, one row per trace).
    bias_ : float or None
        The fitted offset.
    lam_ : float
        λ of the final solve (used by :meth:`transform`).
    result_ : sasd.Result
        The whole result of the training solve.
    n_features_in_ : int
        Samples per trace seen in ``fit``.

    Notes
    -----
    ``X`` is one 1-D signal; a 2-D ``X`` with an int (or ``"auto"``) ``kernel_size`` holds
    traces in rows, which ``fit`` joins end to end into one recording (one
    kernel shared by all traces); with a pair ``kernel_size``, a 2-D ``X``
    is one image.

    Examples
    --------
    >>> inst = sasd.synth.instance(5000, 50, bias=1.0, seed=1)
    >>> est = SaSD(kernel_size=50, boundary="circular").fit(inst.y)
    >>> est.kernel_.shape
    (50,)
    """

    def __init__(self, kernel_size=10, *, method="homotopy-iadm", lam=None, eta=None, bias=None, nonneg=False,
                 kernels=1, boundary=None, baseline=None, seed=0, max_iterations=None, time_budget=None,
                 no_refine=False, rate=None, transform_iterations=500):
        self.kernel_size = kernel_size
        self.method = method
        self.lam = lam
        self.eta = eta
        self.bias = bias
        self.nonneg = nonneg
        self.kernels = kernels
        self.boundary = boundary
        self.baseline = baseline
        self.seed = seed
        self.max_iterations = max_iterations
        self.time_budget = time_budget
        self.no_refine = no_refine
        self.rate = rate
        self.transform_iterations = transform_iterations

    # -- the parameter protocol -------------------------------------------------
    @classmethod
    def _get_param_names(cls):
        sig = inspect.signature(cls.__init__)
        return sorted(p.name for p in sig.parameters.values() if p.name != "self")

    def get_params(self, deep=True):
        """Parameters of this estimator.

        Parameters
        ----------
        deep : bool, default True
            Ignored (no sub-estimators); kept for scikit-learn.

        Returns
        -------
        dict
        """
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params):
        """Set parameters; returns ``self``.

        Raises
        ------
        ValueError
            For a name that is not a parameter.
        """
        valid = set(self._get_param_names())
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for estimator SaSD; valid parameters: {sorted(valid)}")
            setattr(self, name, value)
        return self

    def __repr__(self):
        defaults = inspect.signature(type(self).__init__).parameters
        changed = [f"{k}={v!r}" for k, v in self.get_params().items() if defaults[k].default is not v
                   and not (defaults[k].default == v and type(defaults[k].default) is type(v))]
        return f"SaSD({', '.join(changed)})"

    def __sklearn_tags__(self):  # scikit-learn ≥ 1.6 asks estimators for tags
        from sklearn.utils import Tags, TargetTags, TransformerTags, InputTags

        return Tags(estimator_type=None, target_tags=TargetTags(required=False),
                    transformer_tags=TransformerTags(), input_tags=InputTags(one_d_array=False, two_d_array=True))

    # -- fitting ----------------------------------------------------------------
    def _options(self):
        p = self.get_params()
        p.pop("kernel_size")
        p.pop("transform_iterations")
        return p

    def _signal(self, X):
        from . import as_input

        X = as_input(X, name="X")
        image = not isinstance(self.kernel_size, (int, np.integer, str))
        if X.ndim == 2 and not image:
            return X.reshape(-1), X.shape
        return X, X.shape

    def fit(self, X, y=None):
        """Learn the kernel(s) from ``X``.

        Parameters
        ----------
        X : array_like
            A signal, traces in rows (joined), or an image (see Notes).
        y : None
            Ignored.

        Returns
        -------
        self
        """
        from . import deconvolve

        signal, shape = self._signal(X)
        res = deconvolve(signal, self.kernel_size, **self._options())
        self.result_ = res
        self.kernels_ = res.kernels
        self.kernel_ = res.kernel
        self.bias_ = res.bias
        self.lam_ = res.lam
        self.n_features_in_ = shape[-1]
        if len(shape) == 2 and signal.ndim == 1:
            # Traces joined: give each trace its stretch of the activation.
            m = shape[1]
            o = res.origin
            self.activation_ = np.stack([res.activation[i * m: i * m + m + o] for i in range(shape[0])])
        else:
            self.activation_ = res.activation
        return self

    def fit_transform(self, X, y=None):
        """``fit(X).transform(X)`` (as scikit-learn expects); for images and
        several kernels, which :meth:`transform` does not handle, ``activation_``."""
        self.fit(X)
        if self.kernel_.ndim != 1 or len(self.kernels_) != 1:
            return self.activation_
        return self.transform(X)

    def _check_fitted(self):
        if not hasattr(self, "kernel_"):
            raise NotFittedError("This SaSD instance is not fitted yet: call fit first")

    def transform(self, X):
        """The activation of ``X`` with the learned kernel held fixed.

        Solves the Lasso in x alone, ``min ½‖y − b − a ⊛ x‖² + λ‖x‖₁`` (x ≥ 0
        with ``nonneg``) at the fitted ``kernel_``, ``bias_`` and ``lam_`` by
        FISTA with numpy FFTs (the library has no public fixed-kernel solve
        yet), under the fitted boundary. One kernel, 1-D.

        Parameters
        ----------
        X : array_like
            One signal, or traces in rows.

        Returns
        -------
        ndarray
            The activation (one row per trace for 2-D ``X``), in the frame of
            ``activation_``.
        """
        from . import as_input

        self._check_fitted()
        if self.kernel_.ndim != 1 or len(self.kernels_) != 1:
            raise ValueError("transform handles one 1-D kernel")
        X = as_input(X, name="X")
        if X.ndim == 2 and X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features (samples per trace), but SaSD was fitted on "
                             f"{self.n_features_in_}")
        rows = X if X.ndim == 2 else X[None, :]
        out = np.stack([self._lasso(r) for r in rows])
        return out if X.ndim == 2 else out[0]

    def _lasso(self, y):
        a = self.kernel_
        n0 = len(a)
        linear = self.result_.boundary == "linear"
        m = len(y)
        mx = m + n0 - 1 if linear else m
        b = self.bias_ if self.bias_ is not None else 0.0
        r0 = y - b
        a_hat = np.fft.rfft(a, mx)

        def forward(x):
            full = np.fft.irfft(np.fft.rfft(x, mx) * a_hat, mx)
            # Linear model: y[s] = Σ_j a[j] x[s + n0 − 1 − j], the valid window.
            return full[n0 - 1:n0 - 1 + m] if linear else full

        def adjoint(r):
            if linear:
                pad = np.zeros(mx)
                pad[n0 - 1:n0 - 1 + m] = r
                r = pad
            return np.fft.irfft(np.fft.rfft(r, mx) * np.conj(a_hat), mx)

        step = 1.0 / max(float(np.max(np.abs(a_hat)) ** 2), 1e-300)
        lam = self.lam_
        x = np.zeros(mx)
        z = x.copy()
        t = 1.0
        for _ in range(int(self.transform_iterations)):
            g = adjoint(forward(z) - r0)
            v = z - step * g
            if self.nonneg:
                x_new = np.maximum(v - step * lam, 0.0)
            else:
                x_new = np.sign(v) * np.maximum(np.abs(v) - step * lam, 0.0)
            t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
            z = x_new + ((t - 1.0) / t_new) * (x_new - x)
            x, t = x_new, t_new
        return x
