"""olm's changes to ops' model and framework (``ops/model.py``, ``ops/framework.py``).

A unit related to hundreds of others runs hooks whose cost ops spends on objects the charm
never looks at. These keep a run's results identical and make it cheap; the model ones act
only during olm's own runs (:func:`._scope.olm_run`):

- a relation event's relation is found without building every relation of its endpoint (ops
  builds them all, remote units and databag views included, to pick one by id,
  ``RelationMapping._get_unique``); listing the endpoint later gives the same object among the
  others (``RelationMapping.__getitem__``, ``RelationMapping._invalidate``);
- ops' per-model cache of units and applications (``_ModelCache._weakrefs``) is a plain dict
  rather than weak references: the model lives for one hook;
- ``Framework.observe`` checks each observer's signature with :func:`inspect.signature`
  (~30 us) on every call, and a charm observes dozens of events in every hook: the signature
  of a bound method is computed once per function (the check's verdict depends on nothing
  else). This one is process-wide: it gives what ``inspect.signature`` gives;
- ``Framework.on`` caches each framework's event emitters in a class-level
  ``WeakKeyDictionary`` (``BoundEvent``'s ``_cache``) whose values refer back to their key, so
  no framework is ever freed: :func:`forget_framework_events` empties it after each run. Every
  other class-level ``on = SomeEvents()`` (canonical/operator ``ops/framework.py``
  ``ObjectEvents.__get__``, 3.8 and 3.9, the tested releases) does the
  same for the charm's and its libraries' objects: its value holds the run's framework until
  its key is collected, so the collector's young pass after the hook finds the whole run
  reachable and promotes it to the oldest generation (~250 objects a hook, more the larger
  the relations); :func:`forget_framework_events` drops the run's entries there too.
"""

# pyright: strict
# pyright: reportPrivateUsage=false, reportUnknownMemberType=false
# pyright: reportUnknownVariableType=false, reportUnknownArgumentType=false

from __future__ import annotations

import functools
import inspect
import weakref
from types import ModuleType
from typing import Any

import ops
import ops.framework
import ops.model

from . import _scope

__all__ = ['FRAMEWORK_EVENTS', 'forget_framework_events', 'signature']

FRAMEWORK_EVENTS: ops.ObjectEvents = vars(ops.Framework)['on']
"""``Framework.on``: the descriptor whose ``_cache`` keeps every framework alive."""


def forget_framework_events(framework: ops.Framework | None = None) -> None:
    """Forget a run's event emitters that ops caches at class level.

    ``Framework.on``'s cache is emptied; every other class-level emitter cache loses the
    entries of ``framework``'s objects. Under Juju a hook is one process; here every run's
    charm, model and databags would stay alive (1.5 GB and 40 % slower hooks after 15k runs)
    through ``Framework.on``, and until the next full collection through the others (see the
    module's docstring).
    """
    FRAMEWORK_EVENTS._cache.clear()
    if framework is None:
        return
    for obj in list(framework._objects.values()):
        if not isinstance(obj, ops.Object):
            continue
        cls = type(obj)
        for name in _class_events(cls):
            events = _static(cls, name)
            if isinstance(events, ops.ObjectEvents):
                events._cache.pop(obj, None)


_CLASS_EVENTS: weakref.WeakKeyDictionary[type, tuple[str, ...]] = weakref.WeakKeyDictionary()
"""Per class, the names of the class-level ``ObjectEvents`` of it and its bases: names only,
as anything else kept here for a class made per run (Scenario wraps the charm's class for
each run) would keep that class alive from an old object, the very thing being avoided."""


def _class_events(cls: type) -> tuple[str, ...]:
    """The names under which a class or a base holds an ``ObjectEvents`` (``on = …``)."""
    names = _CLASS_EVENTS.get(cls)
    if names is None:
        own = (n for n, v in vars(cls).items() if isinstance(v, ops.ObjectEvents))
        inherited = (n for base in cls.__bases__ for n in _class_events(base))
        names = tuple(dict.fromkeys((*own, *inherited)))
        _CLASS_EVENTS[cls] = names
    return names


def _static(cls: type, name: str) -> object:
    """The class attribute as the class's own or nearest base's ``__dict__`` holds it."""
    for klass in cls.__mro__:
        found = vars(klass).get(name, _static)
        if found is not _static:
            return found
    return None


# -- one relation built for a relation event ----------------------------------------------

_original_get_unique = ops.model.RelationMapping._get_unique
_original_relations_item = ops.model.RelationMapping.__getitem__
_original_invalidate = ops.model.RelationMapping._invalidate


def _get_unique(self: Any, relation_name: str, relation_id: int | None = None) -> Any:
    # ops finds a relation event's relation by building every relation of the endpoint (each
    # with its remote units and databag views) and picking one by id: for a unit related to
    # hundreds of others that was most of a hook the charm does not even observe. Here only
    # that relation is built; when the charm later lists the endpoint's relations, the list
    # holds this very object in its place (see ``_relations_item``), as it would in ops.
    data = self._data
    if (
        type(relation_id) is not int
        or relation_name not in data
        or data[relation_name] is not None
        or relation_id == self._broken_relation_id
        or _scope.current_roots() is None
    ):
        return _original_get_unique(self, relation_name, relation_id)
    ids = self._backend.relation_ids(relation_name)
    if len(ids) < 2 or relation_id not in ids:
        # One relation: building the list builds only it (and building it early would
        # build it twice if the charm then lists the endpoint).
        return _original_get_unique(self, relation_name, relation_id)
    early: dict[tuple[str, int], Any] = self.__dict__.setdefault('_olm_early', {})
    relation = early.get((relation_name, relation_id))
    if relation is None:
        relation = early[relation_name, relation_id] = ops.Relation(
            relation_name,
            relation_id,
            relation_name in self._peers,
            self._our_unit,
            self._backend,
            self._cache,
            _remote_unit=self._remote_unit,
        )
    return relation


def _relations_item(self: Any, relation_name: str) -> list[ops.Relation]:
    built = self._data.get(relation_name) is not None
    relations = _original_relations_item(self, relation_name)
    early: dict[tuple[str, int], Any] | None = self.__dict__.get('_olm_early')
    if not built and early:
        for i, relation in enumerate(relations):
            found = early.pop((relation_name, relation.id), None)
            if found is not None:
                relations[i] = found
    return relations


def _invalidate(self: Any, relation_name: str) -> None:
    _original_invalidate(self, relation_name)
    early: dict[tuple[str, int], Any] | None = self.__dict__.get('_olm_early')
    if early:
        for key in [k for k in early if k[0] == relation_name]:
            del early[key]


# -- units and applications without weak references ---------------------------------------

_original_cache_init = ops.model._ModelCache.__init__


def _cache_init(self: Any, meta: ops.CharmMeta, backend: Any) -> None:
    # ops keeps a model's Unit and Application objects in a WeakValueDictionary; an olm run's
    # model lives for one hook, so a plain dict gives the same objects for a name without a
    # weak reference per remote unit (hundreds per hook for a unit related to many).
    _original_cache_init(self, meta, backend)
    if _scope.current_roots() is not None:
        self._weakrefs = {}


ops.model._ModelCache.__init__ = _cache_init  # pyright: ignore[reportAttributeAccessIssue]
ops.model.RelationMapping._get_unique = _get_unique  # pyright: ignore[reportAttributeAccessIssue]
ops.model.RelationMapping.__getitem__ = _relations_item  # pyright: ignore[reportAttributeAccessIssue]
ops.model.RelationMapping._invalidate = _invalidate  # pyright: ignore[reportAttributeAccessIssue]


# -- observer signatures computed once ----------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _bound_signature(function: Any, follow_wrapped: bool) -> inspect.Signature:
    """What :func:`inspect.signature` gives for any method bound from ``function``."""
    sig = inspect.signature(function, follow_wrapped=follow_wrapped)
    parameters = tuple(sig.parameters.values())
    if not parameters or parameters[0].kind is inspect.Parameter.VAR_POSITIONAL:
        return sig  # inspect keeps *args of a bound method as they are
    return sig.replace(parameters=parameters[1:])


def signature(obj: Any, *, follow_wrapped: bool = True, **options: Any) -> inspect.Signature:
    """:func:`inspect.signature`, computed once per function for a bound method."""
    function = getattr(obj, '__func__', None)
    if function is None or options or not inspect.isfunction(function):
        return inspect.signature(obj, follow_wrapped=follow_wrapped, **options)
    return _bound_signature(function, follow_wrapped)


_inspect_for_ops = ModuleType('inspect')
_inspect_for_ops.__dict__.update(inspect.__dict__)
_inspect_for_ops.signature = signature  # pyright: ignore[reportAttributeAccessIssue]
ops.framework.__dict__['inspect'] = _inspect_for_ops  # only ops.framework's name for it
