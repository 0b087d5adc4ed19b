"""Melody generation service: the API that the CLI and the GUI call.

``MelodyGenerator`` loads the shipped GAN once and then makes melodies in milliseconds:
``generate`` (K variations of N bars), ``continue_melody`` (extend a primer), ``regenerate_bars``
(replace chosen bars, joining smoothly to their neighbours) and ``morph`` (melodies between two
generated ones, by interpolating their latent noise). The network proposes each bar; the rules
of ``decoding`` decide its notes, so key lock, range and the other guarantees hold whatever the
network proposes. The same seed and settings give the same melody.

What a request leaves open is sampled per variation from what the training tunes do
(``studio.generation.priors``): the phrase form (``studio.generation.form``: repeated phrases are
copied, and closed afresh with their own cadence), the chord progression, and the note density
of each phrase — so variations differ the way different real tunes do. Bars are bars of the
chosen meter (4/4, 2/4, 3/4 or 6/8); internally the network makes *units* (a bar, or a pair of
2/4 bars: ``studio.generation.data``).
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from studio.core.errors import InvalidInput, ModelFileError
from studio.core.forms import form_error, is_form
from studio.core.melody import extract_melody
from studio.core.model_files import verify_model_file
from studio.core.music import (
    ControlChange,
    KeySignature,
    Note,
    Song,
    TempoChange,
    TimeSignature,
    Track,
)
from studio.core.progress import CancelToken, ProgressCallback, no_progress
from studio.core.resources import GAN_WEIGHTS
from studio.core.theory import MINOR_FAMILY, Chord, Key
from studio.generation.calibration import (
    calibration_path,
    condition_for,
    contour_weights_of,
    degree_weights_of,
    density_map_of,
    downbeat_bias_of,
    interval_counts,
    interval_weights_of,
    opening_weights_of,
    read_decoding,
    rest_bias_of,
    run_weights_of,
)
from studio.generation.data import METERS, SPEC, UNIT_BEATS, UNIT_STEPS
from studio.generation.decoding import (
    Bar,
    Frame,
    cut_at,
    decode_bars,
    encode_previous,
    final_target,
    fold_into_range,
    idea_octave,
    key_frame,
    line_state,
    melody_notes,
    seam_cost,
    slerp,
    steps_held,
)
from studio.generation.form import Cadence, PhrasePlan, plan_form
from studio.generation.network import (
    PHRASE_BARS,
    STEPS,
    GanConfig,
    condition_array,
    read_generator,
)
from studio.generation.plan import SPAN_SLACK, Plan, plan_variation
from studio.generation.priors import PRIORS_PATH, window_units

MAX_BARS = 32
LOOP_REACH = 12
"""Semitones within which an idea's last bar heads back for its first note (``_lead_target``)."""
MAX_COUNT = 64
DEFAULT_WEIGHTS = GAN_WEIGHTS
MAJOR_FAMILY = {"major", "lydian", "mixolydian", "major_pentatonic", "chromatic"}
# Fallback progressions (scale degrees as chord symbols relative to the tonic), per family, for
# when no style priors are available.
DEFAULT_PROGRESSIONS = {
    "major": ((0, "maj"), (7, "maj"), (9, "min"), (5, "maj")),  # I V vi IV
    "minor": ((0, "min"), (8, "maj"), (3, "maj"), (10, "maj")),  # i VI III VII
}
INTERVAL_PRIOR_STRENGTH = 0.5
"""How strongly the data's melodic intervals weigh on each sampled pitch (0: not at all, 1: as
a product of the network's proposal and the data's interval distribution)."""
MIN_FEEL_INTERVALS = 12
"""A continuation or a regenerated bar leans towards the music's own intervals when it has at
least this many, else towards a drawn tune's."""
SHARED_NOISE = 0.5
"""Weight of a melody's own noise vector in every unit's noise (the rest is the unit's own, so
each unit's noise stays standard normal): bars of one tune keep one character, as real tunes'
bars do. Chosen on the validation split: 0.35 and 0.5 both brought the two-sample accuracy
from 0.730 to 0.710 and the similarity between bars to the data's (0.5: 0.178, real 0.176);
0.6 and 0.8 made the bars too alike."""
PHRASE_CADENCE_RATE = 1.0
"""The share of cadences held as a long note when no style priors say otherwise: all."""
VARY_DISTANCE = 0.4
"""How far "More like this" moves the latent noise by default (``vary``; 0 same, 1 fresh)."""


@dataclass(frozen=True)
class GenerationSettings:
    """What the musician asks for; what is left unset is sampled from the data per variation.

    Attributes:
        bars: length in bars of ``meter`` (1–32).
        key: key and scale (any scale of ``studio.core.theory``).
        chords: chords cycled over the bars; empty means a progression learned from the data.
        tempo: beats per minute (stored in the exported file).
        temperature: > 0; lower is safer, higher is more adventurous (1 = sample as trained;
            the default 0.7 scored best on the validation tunes).
        density: 0–1, the share of sixteenth steps where a new note or rest begins
            (0.25 ≈ quarter notes, 0.5 ≈ eighth notes); None: sampled per phrase from the data.
        key_lock: keep every note in the scale. Off by default: the melody then uses the
            other notes of the key as often as the training tunes do (a minor key's leading
            tone and raised sixth, a major key's raised fourth and flat seventh): a quarter of
            the real 8-bar windows have one, and a minor tune without its leading tone sounds
            modal.
        chord_tone_strength: 0–1, extra pull of chord tones on the meter's strong beats, on
            top of the pull that brings them to about the tunes' rate
            (``decoding.CHORD_PULL``); 1 forces them.
        low, high: the pitch range (MIDI numbers, inclusive).
        meter: "4/4", "2/4", "3/4" or "6/8".
        form: the phrase form (``form.is_form``: a named form or a pattern such as "AABC");
            None: sampled from the data for the length.
    """

    bars: int = 8
    key: Key = field(default_factory=lambda: Key(0, "major"))
    chords: tuple[Chord, ...] = ()
    tempo: float = 120.0
    temperature: float = 0.7
    density: float | None = None
    key_lock: bool = False
    chord_tone_strength: float = 0.0
    low: int = 55
    high: int = 84
    meter: str = "4/4"
    form: str | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.bars <= MAX_BARS:
            raise InvalidInput(f"bars must be between 1 and {MAX_BARS}, not {self.bars}")
        if not 0 < self.temperature <= 10:
            raise InvalidInput(
                f"temperature must be above 0 (and at most 10), not {self.temperature}"
            )
        if self.density is not None and not 0 <= self.density <= 1:
            raise InvalidInput(f"density must be between 0 and 1, not {self.density}")
        if not 0 <= self.chord_tone_strength <= 1:
            raise InvalidInput(
                f"chord-tone strength must be between 0 and 1, not {self.chord_tone_strength}"
            )
        if not 10 <= self.tempo <= 400:
            raise InvalidInput(f"tempo must be between 10 and 400 BPM, not {self.tempo}")
        if not 0 <= self.low < self.high <= 127 or self.high - self.low < 12:
            raise InvalidInput(
                f"pitch range {self.low}–{self.high} must lie in 0–127 and span an octave or more"
            )
        if self.meter not in METERS:
            raise InvalidInput(f"meter must be one of {', '.join(METERS)}, not {self.meter!r}")
        if self.form is not None and not is_form(self.form):
            raise InvalidInput(form_error(self.form))

    @property
    def family(self) -> str:
        """ "major" or "minor": which of the model's two modes serves this scale."""
        return "major" if self.key.mode in MAJOR_FAMILY else "minor"

    @property
    def bars_per_unit(self) -> int:
        """Bars of the meter in one of the network's units (2 for 2/4, else 1)."""
        return 2 if self.meter == "2/4" else 1

    @property
    def bar_starts(self) -> tuple[int, ...]:
        """The steps of one of the network's units where a bar of the meter begins."""
        steps = UNIT_STEPS[self.meter]
        return tuple(range(0, steps, steps // self.bars_per_unit))

    @property
    def units(self) -> int:
        """The network's units that make ``bars`` bars."""
        return -(-self.bars // self.bars_per_unit)

    @property
    def bar_beats(self) -> float:
        """Beats (quarter notes) in a bar of the meter."""
        return TimeSignature.parse(self.meter).beats_per_bar

    def chord_for_bar(self, bar: int) -> Chord:
        """The chord of unit ``bar`` when the request names chords (they cycle over the bars)
        or, without priors, the fallback progression."""
        if self.chords:
            return self.chords[(bar * self.bars_per_unit) % len(self.chords)]
        interval, quality = DEFAULT_PROGRESSIONS[self.family][bar % 4]
        return Chord((self.key.tonic + interval) % 12, quality)


@dataclass(frozen=True)
class GeneratedMelody:
    """A generated melody with what is needed to vary it later.

    Attributes:
        notes: the melody (beats from 0; a continuation includes its primer).
        seed: the seed that made it.
        settings: the settings it was made with.
        chords: the chord of each generated bar of the meter, in the real key.
        latents: (units, noise_dim) noise that made each generated unit (for morphing).
        first_bar: index of the first generated unit (the primer's length in units, else 0).
        form: the phrase form it was made in.
        densities: the density asked of each generated unit.
        like: for a melody made by ``vary``: (its variation seed, the distance); its
            ``seed`` is then the seed of the melody it was made like. None otherwise.
    """

    notes: tuple[Note, ...]
    seed: int
    settings: GenerationSettings
    chords: tuple[Chord, ...]
    latents: np.ndarray
    first_bar: int = 0
    form: str = "through"
    densities: tuple[float, ...] = ()
    like: tuple[int, float] | None = None


class MelodyGenerator:
    """The loaded generator network plus the decoding rules; cheap to call many times."""

    def __init__(self, weights: str | os.PathLike | None = None) -> None:
        """Load generator weights (safetensors) — the shipped model by default.

        Raises ``ModelFileError`` if the file is missing or not a model of this program, or
        if it, its calibration or the style priors do not match their manifest
        (``studio.core.model_files``: the shipped files always, a user's when recorded).
        """
        path = Path(weights) if weights is not None else DEFAULT_WEIGHTS
        for file in (path, calibration_path(path), PRIORS_PATH):  # each hashed once, here
            verify_model_file(file, "the melody model")
        if not path.is_file():
            raise ModelFileError(f"model file not found: {path}")
        try:
            forward, metadata = read_generator(path)
        except Exception as error:  # safetensors, JSON and the shapes each raise their own kinds
            raise ModelFileError(f"{path} is not a Motif Studio melody model ({error})") from None
        self.config: GanConfig = forward.config
        self._forward = forward
        self.path = path
        self.metadata = metadata
        self._priors = None
        decoding = read_decoding(calibration_path(path))
        self.interval_calibration = interval_weights_of(decoding)
        """Interval log-weights per style ("4/4 major" …) found for this network
        (``calibration``); None: the data's interval distribution at a fixed strength."""
        self.degree_calibration = degree_weights_of(decoding)
        """(12, 25) degree weights per style found for this network (``calibration``), added
        to the interval weights; None: none."""
        self.contour_calibration = contour_weights_of(decoding)
        """(25, 25) contour weights per style found for this network (``calibration``): the
        interval into a note × the interval on from it, added too; None: none."""
        self.downbeat_calibration = downbeat_bias_of(decoding)
        """Log-odds per style ("4/4 major" …) added to the onset at each bar line
        (``GenerationSettings.bar_starts``), found for this network (``calibration``); None:
        none."""
        self.opening_calibration = opening_weights_of(decoding)
        """(12,) log-weights per style of the pitch class a melody opens on (``calibration``);
        None: none."""
        self.rest_calibration = rest_bias_of(decoding)
        """Per style, a log-weight per step of a unit added to the rest's logit
        (``calibration``); None: none."""
        self.run_calibration = run_weights_of(decoding)
        """Per style, (``runs.RUN_LENGTHS``,) log-weights of a step going on with a stepwise
        run (``calibration``); None: none."""
        self.density_map = density_map_of(decoding)
        """Per meter, [density condition, density it gives] for this network (``calibration``);
        empty: a density asked for is the condition."""

    @property
    def meters(self) -> tuple[str, ...]:
        """The meters this model makes (a model trained before meters: 4/4 and 2/4)."""
        return METERS if self.config.meters else ("4/4", "2/4")

    # -------------------------------------------------------------------------- public API

    def generate(
        self,
        settings: GenerationSettings,
        count: int = 1,
        seed: int = 0,
        *,
        progress: ProgressCallback = no_progress,
        cancel: CancelToken | None = None,
    ) -> list[GeneratedMelody]:
        """Make ``count`` variations; variation ``i`` uses seed ``seed + i``.

        ``progress(bars_done, bars, "bar N")`` follows each unit (all variations at once);
        ``cancel`` is checked before each unit and raises ``Cancelled``.
        """
        _check_count(count)
        self._check_meter(settings)
        seeds = [seed + i for i in range(count)]
        latents = [self._latents(s, settings.units) for s in seeds]
        return self._run(settings, seeds, latents, (), progress, cancel)

    def continue_melody(
        self,
        primer: Sequence[Note],
        settings: GenerationSettings,
        count: int = 1,
        seed: int = 0,
        *,
        progress: ProgressCallback = no_progress,
        cancel: CancelToken | None = None,
    ) -> list[GeneratedMelody]:
        """Add ``settings.bars`` bars after ``primer`` (a melody whose beat 0 is a downbeat).

        The primer's last bar conditions the first new bar. The primer and the new bars are
        planned as one form (``settings.form``, or one sampled for their length), so the new
        bars may return to the primer's phrases, and they end on a cadence. The result holds
        the primer (made monophonic) followed by the new bars; its chords, densities and
        noise are the new bars'. ``progress`` and ``cancel`` as for ``generate``.
        """
        _check_count(count)
        self._check_meter(settings)
        melody = extract_melody(primer)
        if not melody:
            raise InvalidInput("the primer has no notes to continue")
        seeds = [seed + i for i in range(count)]
        latents = [self._latents(s, settings.units) for s in seeds]
        return self._run(settings, seeds, latents, melody, progress, cancel)

    def regenerate_bars(
        self,
        melody: Sequence[Note],
        bars: Collection[int],
        settings: GenerationSettings,
        seed: int = 0,
        candidates: int = 8,
    ) -> GeneratedMelody:
        """Replace the chosen bars (units of the meter, 0-based) of ``melody``, keeping all
        others.

        Each bar is generated from the bar before it, ``candidates`` times; the candidate whose
        edges lie closest in pitch to the neighbouring notes is kept, so the seams stay smooth.
        The form keeps: a bar that closes a phrase gets its cadence again, and with a form in
        ``settings.form`` the later bars that repeat a regenerated one in ``melody`` take the
        same new notes (a varied repeat, which departs somewhere in its second half, takes them
        up to there). ``settings.bars`` is ignored: the melody's own length counts.
        """
        self._check_meter(settings)
        unit = UNIT_BEATS[settings.meter]
        notes = list(extract_melody(melody))
        n_units = max(1, -(-max((n.end for n in notes), default=0) // unit))
        n_units = int(max(n_units, max(bars, default=0) + 1))
        chosen = sorted(set(bars))
        if not chosen or chosen[0] < 0 or chosen[-1] >= MAX_BARS:
            raise InvalidInput(f"bars to regenerate must be between 0 and {MAX_BARS - 1}")
        n_units = min(MAX_BARS, n_units)
        settings = replace(settings, bars=n_units * settings.bars_per_unit)
        frame = self._frame(settings, notes)
        rng = np.random.default_rng(seed)
        kept = [u for u in range(n_units) if u not in chosen]
        feel = _feel_of(notes, kept, frame.shift, settings.meter)
        plan = self._plan(settings, frame, np.random.default_rng([seed, 3]), n_units, feel)
        if settings.form is None:  # the melody's own form is unknown: only cadences keep,
            plan.phrases = plan_form("through", n_units)  # and no other bar changes with it
        latents = np.zeros((n_units, self.config.noise_dim), dtype=np.float32)
        for bar in chosen:
            begin, end = bar * unit, (bar + 1) * unit
            before = tuple(n for n in notes if n.start < begin)
            previous = encode_previous(before, bar, frame.shift, settings.meter)
            options_latents = rng.standard_normal((candidates, self.config.noise_dim))
            repeats = [] if settings.form is None else _repeats_of(notes, bar, unit, n_units)
            cadence = plan.phrases.cadence_of(bar)
            # the pace of the melody around it (unless the user asked for one), not a new one
            near = None if settings.density is not None else self._density_near(
                notes, bar, kept, plan.phrases, frame, settings
            )  # fmt: skip
            density = plan.densities[bar] if near is None else near
            home = None  # the melody's full close lands where generated ones do
            window = [n.pitch - SPEC.low + frame.shift for n in before
                      if n.start >= (bar - window_units(settings.meter) + 1) * unit]  # fmt: skip
            if cadence == Cadence.FINAL and plan.final_octave is not None and window:
                home = final_target(frame, plan.chords[bar], min(window), plan.final_octave)
            options = self._sample_bar(
                settings, frame, bar, options_latents, previous, [rng] * candidates,
                plan.chords[bar], density, cadence, plan.endings[bar], plan.rhythm,
                plan.interval_style, home,
            )  # fmt: skip
            after = [n for n in notes if n.start >= end]
            last_before = before[-1].pitch if before else None
            first_after = after[0].pitch if after else None
            best = min(
                range(candidates),
                key=lambda i: seam_cost(options[i].notes, last_before, first_after),
            )
            notes = _replace_unit(notes, begin, end, options[best].notes)
            latents[bar] = options_latents[best]
            for repeat, share in repeats:
                if repeat in chosen:
                    continue
                shift = (repeat - bar) * unit
                moved = [replace(n, start=n.start + shift) for n in options[best].notes]
                until = repeat * unit + share * unit  # a varied repeat keeps its own end
                notes = _replace_unit(notes, repeat * unit, until, _cut_to(moved, until))
                if share == 1:
                    latents[repeat] = latents[bar]
        chords = self._bar_chords(settings, frame, plan.chords)
        return GeneratedMelody(
            tuple(notes), seed, settings, chords, latents, 0, plan.phrases.form,
            tuple(plan.densities),
        )  # fmt: skip

    def morph(
        self, start: GeneratedMelody, end: GeneratedMelody, steps: int = 5
    ) -> list[GeneratedMelody]:
        """Melodies between two generated ones: ``steps`` in-between latents (spherical).

        Both must have the same number of generated bars; the first one's settings, form,
        chords, densities and sampling seed are used, so only the latent noise changes along
        the way.
        """
        if start.latents.shape != end.latents.shape:
            raise InvalidInput("morphing needs two melodies with the same number of bars")
        if not 1 <= steps <= MAX_COUNT:
            raise InvalidInput(f"morph steps must be between 1 and {MAX_COUNT}")
        fractions = [(i + 1) / (steps + 1) for i in range(steps)]
        latents = [slerp(start.latents, end.latents, t) for t in fractions]
        return self._run(start.settings, [start.seed] * steps, latents, (), no_progress, None)

    def vary(
        self, melody: GeneratedMelody, count: int = 4, distance: float = VARY_DISTANCE,
        seed: int = 0,
    ) -> list[GeneratedMelody]:  # fmt: skip
        """``count`` melodies like ``melody`` ("More like this"): the same settings, phrase
        form, chords, densities and cadences (its plan, drawn from its seed again) and the same
        sampling stream, from latent noise moved ``distance`` of the way (0–1) towards fresh
        noise: ``sqrt(1 - d²)·z + d·ε``, which keeps the noise's spread. Distance 0 gives the
        melody again; 1 keeps only the plan. Variation ``i`` draws ε from seed ``seed + i``.
        A continuation keeps its primer bars.
        """
        _check_count(count)
        if not 0 <= distance <= 1:
            raise InvalidInput(f"distance must be between 0 and 1, not {distance:g}")
        settings = melody.settings
        self._check_meter(settings)
        base = np.asarray(melody.latents, dtype=np.float64)
        if base.shape != (settings.units, self.config.noise_dim):
            raise InvalidInput("this melody's noise does not fit its settings: it cannot be varied")
        primer = ()
        if melody.first_bar:
            primer_end = melody.first_bar * UNIT_BEATS[settings.meter]
            primer = tuple(n for n in melody.notes if n.start < primer_end - 1e-9)
        keep = math.sqrt(1 - distance**2)
        latents = [keep * base + distance * self._latents(seed + i, settings.units)
                   for i in range(count)]  # fmt: skip
        varied = self._run(settings, [melody.seed] * count, latents, primer, no_progress, None)
        return [replace(made, like=(seed + i, float(distance))) for i, made in enumerate(varied)]

    # -------------------------------------------------------------------------- internals

    def _check_meter(self, settings: GenerationSettings) -> None:
        if settings.meter not in self.meters:
            raise InvalidInput(
                f"this model makes {' and '.join(self.meters)} only, not {settings.meter}"
            )

    def _latents(self, seed: int, units: int) -> np.ndarray:
        """Each unit's noise: its own part plus a part shared by the whole melody."""
        own = np.random.default_rng([seed, 1]).standard_normal((units, self.config.noise_dim))
        shared = np.random.default_rng([seed, 4]).standard_normal(self.config.noise_dim)
        return math.sqrt(1 - SHARED_NOISE**2) * own + SHARED_NOISE * shared

    def _frame(self, settings: GenerationSettings, around: Sequence[Note] = ()) -> Frame:
        """The request's frame (``key_frame``), in the register of the music ``around`` it."""
        return key_frame(
            settings.key, major=settings.family == "major", low=settings.low,
            high=settings.high, key_lock=settings.key_lock, around=[n.pitch for n in around],
        )  # fmt: skip

    def _priors_or_none(self):
        """The style priors the natural defaults come from (None when none are shipped)."""
        if self._priors is None:
            try:
                from studio.generation.priors import load_priors

                self._priors = load_priors()
            except (ImportError, OSError, ValueError, KeyError):  # none or unreadable: fallbacks
                self._priors = False
        return self._priors or None

    def _plan(
        self, settings: GenerationSettings, frame: Frame, rng: np.random.Generator, units: int,
        feel: tuple[np.ndarray | None, np.ndarray | None] | None = None, first_new: int = 0,
    ) -> Plan:  # fmt: skip
        """``plan.plan_variation`` with this generator's style priors and density map."""
        return plan_variation(
            settings, frame, rng, units, self._priors_or_none(), self.density_map, feel, first_new
        )

    def _density_near(
        self, notes: Sequence[Note], bar: int, kept: Sequence[int], phrases: PhrasePlan,
        frame: Frame, settings: GenerationSettings,
    ) -> float | None:  # fmt: skip
        """The density condition that gives a regenerated ``bar`` the onset rate (notes and
        rests per step) of the ``kept`` units of its phrase in ``notes``, or of all of them
        (through the density map, as a density asked for); None when they hold no notes."""
        same_phrase = [u for u in kept if phrases.phrase_of(u) == phrases.phrase_of(bar)]
        rhythm, _ = _feel_of(notes, same_phrase or kept, frame.shift, settings.meter)
        if rhythm is None and same_phrase:
            rhythm, _ = _feel_of(notes, kept, frame.shift, settings.meter)
        if rhythm is None:
            return None
        return condition_for(float(rhythm.mean()), self.density_map.get(settings.meter))

    def _bar_chords(
        self, settings: GenerationSettings, frame: Frame, unit_chords: Sequence[Chord]
    ) -> tuple[Chord, ...]:
        """The chord of each bar of the meter, in the real key (a 2/4 unit is two bars)."""
        real = [chord.transpose(-frame.shift) for chord in unit_chords]
        per_bar = [chord for chord in real for _ in range(settings.bars_per_unit)]
        return tuple(per_bar[: max(1, math.ceil(len(real) * settings.bars_per_unit))])

    def _interval_weights(self, meter: str, mode: int) -> np.ndarray | None:
        """The interval log-weights for the decoder: this network's calibration, else the
        data's interval distribution at ``INTERVAL_PRIOR_STRENGTH`` (None without priors)."""
        calibrated = (self.interval_calibration or {}).get(_style(meter, mode))
        if calibrated is not None:
            return calibrated
        priors = self._priors_or_none()
        if priors is None or INTERVAL_PRIOR_STRENGTH == 0:
            return None
        return INTERVAL_PRIOR_STRENGTH * priors.interval_log_weights(meter, mode)

    def _degree_weights(self, meter: str, mode: int) -> np.ndarray | None:
        """This network's degree weights for the decoder (``calibration``), or None."""
        return (self.degree_calibration or {}).get(_style(meter, mode))

    def _opening_weights(self, meter: str, mode: int) -> np.ndarray | None:
        """This network's opening weights for the decoder (``calibration``), or None."""
        return (self.opening_calibration or {}).get(_style(meter, mode))

    def _contour_weights(self, meter: str, mode: int) -> np.ndarray | None:
        """This network's contour weights for the decoder (``calibration``), or None."""
        return (self.contour_calibration or {}).get(_style(meter, mode))

    def _onset_bias(
        self, settings: GenerationSettings, mode: int, rhythms: np.ndarray | None, count: int
    ):
        """``rhythms`` (count, 16) with this network's downbeat bias added at the bar lines
        (``settings.bar_starts``; ``calibration``); as it was when there is none."""
        bias = (self.downbeat_calibration or {}).get(_style(settings.meter, mode))
        if bias is None:
            return rhythms
        downbeats = np.zeros((count, STEPS))
        downbeats[:, list(settings.bar_starts)] = bias
        return downbeats if rhythms is None else rhythms + downbeats

    def _phrase_cadence_rate(self, meter: str, mode: int) -> float:
        priors = self._priors_or_none()
        if priors is None:
            return PHRASE_CADENCE_RATE
        try:
            rates = priors.cadence_rates(meter, mode)
            return float(rates.get("phrase_end_long", PHRASE_CADENCE_RATE))
        except (KeyError, ValueError):
            return PHRASE_CADENCE_RATE

    def _run(
        self,
        settings: GenerationSettings,
        seeds: list[int],
        latents: list[np.ndarray],
        primer: tuple[Note, ...],
        progress: ProgressCallback,
        cancel: CancelToken | None,
    ) -> list[GeneratedMelody]:
        frame = self._frame(settings, primer)
        unit = UNIT_BEATS[settings.meter]
        units = settings.units
        offset = 0
        if primer:
            offset = int(-(-max(n.end for n in primer) // unit))
        rngs = [np.random.default_rng([seed, 2]) for seed in seeds]
        feel = _feel_of(primer, range(offset), frame.shift, settings.meter) if primer else None
        # one plan over the primer and the new units: the new ones may return to the primer's
        # phrases as the form has it (units are counted from the primer's first)
        total = offset + units
        plans = [self._plan(settings, frame, np.random.default_rng([s, 3]), total, feel, offset)
                 for s in seeds]  # fmt: skip
        rate = self._phrase_cadence_rate(settings.meter, frame.mode)
        previous = encode_previous(primer, offset, frame.shift, settings.meter) if primer else None
        previous = None if previous is None else (
            np.repeat(previous[0][None], len(seeds), 0), np.repeat(previous[1][None], len(seeds), 0)
        )  # fmt: skip
        stacked = np.zeros((len(seeds), total, self.config.noise_dim), dtype=np.float32)
        stacked[:, offset:] = np.stack(latents)  # (count, units, noise); the primer has none
        styles = np.stack([plan.interval_style for plan in plans])  # each variation's leanings
        rhythms = np.stack([plan.rhythm for plan in plans])
        primer_units = [_unit_steps(primer, u, frame.shift, settings.meter) for u in range(offset)]
        made = [list(primer_units) for _ in seeds]  # per unit: (pitch, onsets)
        # each unit's lowest and highest pitch index per variation, for the span of the last
        # window of 8 bars (a unit without notes: rest index and −1, which widen nothing)
        lows = np.full((len(seeds), total), SPEC.rest_index)
        highs = np.full((len(seeds), total), -1)
        if primer_units:
            lows[:, :offset], highs[:, :offset] = _extents(np.stack([p for p, _ in primer_units]))
        window = window_units(settings.meter) - 1
        drawn = None  # each variation's real window span (``Plan.span``)
        if all(plan.span is not None for plan in plans):
            drawn = np.array([plan.span for plan in plans])
        for u in range(offset, total):
            if cancel is not None:
                cancel.raise_if_cancelled()
            copied = [plan.copies.get(u) for plan in plans]
            for i, (plan, source) in enumerate(zip(plans, copied, strict=True)):
                if source is not None and source >= offset:  # (a primer's unit has no noise)
                    keep = stacked[i, source]
                    if u in plan.varied:  # a varied repeat: near the source's noise
                        keep = 0.8 * keep + 0.6 * rngs[i].standard_normal(keep.shape)
                    stacked[i, u] = keep
            half_pair = u == total - 1 and settings.bars % settings.bars_per_unit
            # an exact repeat needs no new sample: only the others go through the network
            active = [i for i, (plan, source) in enumerate(zip(plans, copied, strict=True))
                      if source is None or u in plan.varied]  # fmt: skip
            if active:
                batch = [plans[i] for i in active]
                lead_to = [_lead_target(made[i], plans[i], u, total) for i in active]
                homes = [None] * len(active)
                for k, i in enumerate(active):  # the melody's close lands low, as tunes close
                    plan = plans[i]
                    if plan.cadences[u] == Cadence.FINAL and plan.final_octave is not None:
                        low = int(lows[i, max(0, u - window) : u].min(initial=SPEC.rest_index))
                        homes[k] = final_target(frame, plan.chords[u], low, plan.final_octave)
                        lead_to[k] = homes[k]  # the last notes head there
                _, sampled = self._sample_bar_batch(
                    settings, frame, u, u - offset, stacked[active, u],
                    None if previous is None else (previous[0][active], previous[1][active]),
                    [rngs[i] for i in active], [plan.chords[u] for plan in batch],
                    [plan.densities[u] for plan in batch], [plan.cadences[u] for plan in batch],
                    rate, 8 if half_pair else None,
                    [u > offset and plan.cadences[u - 1] is not None for plan in batch],
                    [plan.endings[u] for plan in batch],
                    styles[active],
                    [False] * len(batch),  # the notes are made at the end, from the steps
                    rhythms[active],
                    None if drawn is None else _spans(lows[active], highs[active],
                                                      drawn[active], u, window),
                    lead_to, homes,
                    np.stack([lows[active, :u].min(axis=1, initial=SPEC.rest_index),
                              highs[active, :u].max(axis=1, initial=-1)], axis=1),
                )  # fmt: skip
                if previous is None:  # the first unit: every variation is sampled
                    previous = sampled
                else:
                    previous = (previous[0].copy(), previous[1].copy())
                    previous[0][active], previous[1][active] = sampled
            for i, (plan, source) in enumerate(zip(plans, copied, strict=True)):
                if source is not None:  # a repeat: the same notes
                    pitch, onsets = made[i][source]
                    if u in plan.varied:  # …but the end of the unit from the new sample
                        pitch, onsets = _vary(pitch, onsets, previous[0][i], previous[1][i],
                                              plan.varied[u])  # fmt: skip
                    last = made[i][u - 1][0][-1] if u else SPEC.rest_index
                    previous[0][i], previous[1][i] = _keep_tie(pitch, onsets, last), onsets
                made[i].append((previous[0][i].copy(), previous[1][i].copy()))
            lows[:, u], highs[:, u] = _extents(previous[0])
            progress(u - offset + 1, units, f"bar {u - offset + 1}")
        melodies = []
        for steps, rng in zip(made, rngs, strict=True):
            pitch = np.stack([p for p, _ in steps[offset:]])
            octave = idea_octave(pitch, frame)  # each idea in its own octave, as tunes are
            notes = melody_notes(pitch, np.stack([o for _, o in steps[offset:]]), offset,
                                 frame.shift - 12 * octave, rng, settings.meter)  # fmt: skip
            melodies.append(fold_into_range(notes, frame))  # no octave held it whole: rare
        end = (offset * unit) + settings.bars * settings.bar_beats
        return [
            GeneratedMelody(
                tuple(primer) + tuple(_cut_to(notes, end)),
                seed,
                settings,
                self._bar_chords(settings, frame, plan.chords[offset:])[: settings.bars],
                stacked[i, offset:],
                offset,
                plan.phrases.form,
                tuple(plan.densities[offset:]),
            )
            for i, (notes, seed, plan) in enumerate(zip(melodies, seeds, plans, strict=True))
        ]

    def _sample_bar(
        self, settings, frame, bar, latents, previous, rngs, chord, density, cadence, ending=None,
        rhythm=None, interval_style=None, home=None,
    ) -> list[Bar]:  # fmt: skip
        """``count`` candidates of one bar (``latents``) after the same bar before; ``home``:
        the pitch index a full close lands on and heads for (``decoding.final_target``)."""
        count = len(latents)
        if previous is not None:
            previous = (
                np.repeat(previous[0][None], count, 0),
                np.repeat(previous[1][None], count, 0),
            )
        notes, _ = self._sample_bar_batch(
            settings, frame, bar, bar, latents, previous, rngs, [chord] * count,
            [density] * count, [cadence] * count,
            self._phrase_cadence_rate(settings.meter, frame.mode), endings=[ending] * count,
            rhythms=None if rhythm is None else np.tile(rhythm, (count, 1)),
            interval_styles=None if interval_style is None else np.tile(interval_style, (count, 1)),
            lead_to=None if home is None else [home] * count,
            homes=None if home is None else [home] * count,
        )  # fmt: skip
        return notes

    def _sample_bar_batch(
        self, settings, frame, bar, phrase_bar, latents, previous, rngs, chords, densities,
        cadences, cadence_rate, used_steps=None, fresh_start=None, endings=None,
        interval_styles=None, notes_for=None, rhythms=None, spans=None, lead_to=None,
        homes=None, extents=None,
    ):  # fmt: skip
        """Sample one unit for a batch of variations (``chords`` in the frame, one per
        variation); returns (notes per variation, the unit's (pitch, onsets) arrays)."""
        count = len(latents)
        rest = SPEC.rest_index
        tones = np.stack([_tone_vector(chord) for chord in chords])
        has_previous = previous is not None
        if previous is None:
            previous = (np.full((count, STEPS), rest), np.zeros((count, STEPS), dtype=bool))
        conditions = condition_array(
            tones, [chord.root for chord in chords], frame.mode, densities,
            phrase_bar % PHRASE_BARS, float(has_previous), METERS.index(settings.meter),
            self.config.meters,
        )  # fmt: skip
        pitch_logits, onset_logits = self._forward(
            latents, conditions, *previous, UNIT_STEPS[settings.meter]
        )
        into, run = line_state(*previous) if has_previous else (None, None)
        interval_weights = self._interval_weights(settings.meter, frame.mode)
        if interval_weights is not None and interval_styles is not None:
            interval_weights = interval_weights[None] + interval_styles
        notes, pitch, onsets = decode_bars(
            pitch_logits, onset_logits, previous[0][:, -1], rngs, frame=frame,
            chord=chords, bar=bar, temperature=settings.temperature,
            chord_tone_strength=settings.chord_tone_strength, meter=settings.meter,
            cadences=cadences, phrase_cadence_rate=cadence_rate, used_steps=used_steps,
            interval_weights=interval_weights,
            degree_weights=self._degree_weights(settings.meter, frame.mode),
            contour_weights=self._contour_weights(settings.meter, frame.mode),
            previous_interval=into,
            fresh_start=fresh_start, endings=endings, notes_for=notes_for,
            onset_bias=self._onset_bias(settings, frame.mode, rhythms, count),
            span=spans,
            lead_to=lead_to,
            homes=homes,
            extent=extents,
            opening_weights=None if has_previous else self._opening_weights(
                settings.meter, frame.mode
            ),
            opens_melody=not has_previous,
            rest_bias=(self.rest_calibration or {}).get(_style(settings.meter, frame.mode)),
            run_weights=(self.run_calibration or {}).get(_style(settings.meter, frame.mode)),
            previous_run=run,
            held_steps=(
                steps_held(previous[1][:, : UNIT_STEPS[settings.meter]]) if has_previous else None
            ),
        )  # fmt: skip
        return notes, (pitch, onsets)


def _style(meter: str, mode: int) -> str:
    """The name a calibration keeps a style's tables under ("4/4 major" …)."""
    return f"{meter} {('major', 'minor')[mode]}"


@functools.lru_cache(maxsize=1024)
def _tone_vector(chord: Chord) -> np.ndarray:
    """(12,) True on the chord's pitch classes, remembered per chord (read only)."""
    tones = chord.tones
    vector = np.array([pc in tones for pc in range(12)])
    vector.setflags(write=False)
    return vector


def _feel_of(
    notes: Sequence[Note], units: Iterable[int], shift: int, meter: str
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The feel a continuation or a regenerated bar keeps from ``units`` (indices) of ``notes``
    (a melody in the real key, ``shift`` semitones from the frame): their onset rate per step
    (None when they hold no notes) and their melody's interval counts −12…+12 (None with fewer
    than ``MIN_FEEL_INTERVALS``)."""
    profiles, kept = [], []
    for unit in units:
        encoded = encode_previous(notes, unit + 1, shift, meter)  # the unit before unit + 1
        if encoded is not None and (encoded[0] != SPEC.rest_index).any():
            profiles.append(encoded[1][: UNIT_STEPS[meter]])
            begin, end = unit * UNIT_BEATS[meter], (unit + 1) * UNIT_BEATS[meter]
            kept += [n for n in notes if begin <= n.start < end]
    rhythm = np.mean(profiles, axis=0) if profiles else None
    counts = interval_counts([kept])
    return rhythm, (counts if counts.sum() >= MIN_FEEL_INTERVALS else None)


def _vary(
    pitch: np.ndarray, onsets: np.ndarray, new_pitch: np.ndarray, new_onsets: np.ndarray, at: int
) -> tuple[np.ndarray, np.ndarray]:
    """A repeated bar varied as tunes vary a repeat: its steps up to ``at`` as before, the rest
    from a new sample (a changed pitch at ``at`` starts a note there)."""
    pitch = np.concatenate([pitch[:at], new_pitch[at:]])
    onsets = np.concatenate([onsets[:at], new_onsets[at:]])
    if pitch[at] != pitch[at - 1]:
        onsets[at] = True
    return pitch, onsets


def _unit_steps(notes: Sequence[Note], unit: int, shift: int, meter: str):
    """Unit ``unit`` of ``notes`` (a melody in the real key) as decoded steps in the frame,
    (pitch indices, onsets) padded to 16 steps; all rests when it has no notes."""
    encoded = encode_previous(notes, unit + 1, shift, meter)  # the unit before unit + 1
    if encoded is None:
        return np.full(STEPS, SPEC.rest_index), np.zeros(STEPS, dtype=bool)
    return encoded


def _extents(pitch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The lowest and highest pitch index sounding in each row of unit steps ``pitch``
    (rows, steps): the rest index and −1 where none does."""
    sounding = pitch != SPEC.rest_index
    return (np.where(sounding, pitch, SPEC.rest_index).min(axis=1),
            np.where(sounding, pitch, -1).max(axis=1))  # fmt: skip


def _spans(lows: np.ndarray, highs: np.ndarray, drawn: np.ndarray, unit: int, window: int):
    """(count, 4) for ``decode_bars``' ``span``: per variation the lowest and highest pitch
    index of the ``window`` units before ``unit`` (−1, −1 without notes), its span limit (the
    real span ``drawn`` for it plus ``SPAN_SLACK``), and the span to reach by the end of
    ``unit``: the drawn span times the square root of the share of its window the unit ends. Tunes
    reach about that much of their 8-bar span bar by bar (4/4, training split: 0.48, 0.67,
    0.76, 0.86 … of it after bars 1, 2, 3, 4 …; 3/4 0.30, 0.56, 0.71, 0.81 …)."""
    begin = max(0, unit - window)
    low = lows[:, begin:unit].min(axis=1, initial=SPEC.rest_index)
    high = highs[:, begin:unit].max(axis=1, initial=-1)
    low = np.where(high >= 0, low, -1)
    aim = drawn * ((min(unit, window) + 1) / (window + 1)) ** 0.5
    return np.stack([low, high, drawn + SPAN_SLACK, aim], axis=1)


def _next_known(plan: Plan, unit: int, units: int) -> int | None:
    """The unit whose notes are known to follow ``unit`` of ``units``: the source of a repeat
    that comes next; after the last one, unless it closes on the tonic (``Cadence.FINAL``),
    the first, which follows it when the idea plays again (a loop, or a strain played twice
    as tunes play theirs: an idea's last notes then lead back into its start)."""
    if unit == units - 1:
        return 0 if plan.cadences[unit] != Cadence.FINAL else None
    return plan.copies.get(unit + 1)


def _lead_target(
    made: list[tuple[np.ndarray, np.ndarray]], plan: Plan, unit: int, units: int
) -> int | None:
    """The pitch index the last notes of ``unit`` head for: the first note of the unit known
    to follow it (``_next_known``). An idea's own start only from within ``LOOP_REACH`` of the
    note ending the unit before: reached from further, the leap would only move inside it."""
    target = _first_pitch(made, _next_known(plan, unit, units))
    if target is not None and unit == units - 1 and unit > 0:
        before = int(made[unit - 1][0][-1])
        if before == SPEC.rest_index or abs(target - before) > LOOP_REACH:
            return None
    return target


def _first_pitch(made: list[tuple[np.ndarray, np.ndarray]], source: int | None) -> int | None:
    """The pitch index a repeat of unit ``source`` starts with (a note on its first step), or
    None: no repeat, a source not made yet, or one that starts with a rest or a held note."""
    if source is None or source >= len(made):
        return None
    pitch, onsets = made[source]
    return int(pitch[0]) if onsets[0] and pitch[0] != SPEC.rest_index else None


def _keep_tie(pitch: np.ndarray, onsets: np.ndarray, last: int) -> np.ndarray:
    """A copied unit's pitches where its source began by holding the note before it over the
    bar line: the copy holds its own note before it the same way (as the source did, it starts
    no note there)."""
    if onsets[0] or last == SPEC.rest_index:
        return pitch
    starts = np.flatnonzero(onsets)
    held = pitch.copy()
    held[: starts[0] if starts.size else len(held)] = last
    return held


def _repeats_of(
    notes: Sequence[Note], bar: int, unit: float, units: int
) -> list[tuple[int, float]]:
    """The later units of ``notes`` that repeat unit ``bar`` (``unit`` beats long) as it is:
    (unit, 1.0) where the whole unit starts the same pitches at the same places, (unit, share)
    where it does so up to a place in its second half (a varied repeat departs there; share:
    that place as a part of the unit). A unit that itself repeats an earlier one has no repeats
    of its own (they repeat the earlier one), and a first half that starts fewer than two notes
    is too little to call a repeat. (A unit's last note may be held into the next one in one
    place and not in the other: lengths are not compared.)"""

    def starts(u: int, length: float) -> list[tuple[int, float]]:
        begin = u * unit
        return [(n.pitch, round(n.start - begin, 4))
                for n in notes if begin <= n.start < begin + length - 1e-9]  # fmt: skip

    whole, opening = starts(bar, unit), starts(bar, unit / 2)
    if len(opening) < 2 or any(starts(u, unit / 2) == opening for u in range(bar)):
        return []
    found = []
    for u in range(bar + 1, units):
        other = starts(u, unit)
        if other == whole:
            found.append((u, 1.0))
            continue
        shared = 0
        while shared < min(len(whole), len(other)) and whole[shared] == other[shared]:
            shared += 1
        differing = whole[shared : shared + 1] + other[shared : shared + 1]  # first notes off
        departure = min(start for _, start in differing)
        if departure >= unit / 2:
            found.append((u, departure / unit))
    return found


def _replace_unit(notes: list[Note], begin: float, end: float, new: Sequence[Note]) -> list[Note]:
    """``notes`` with the beats ``begin``–``end`` replaced by ``new`` (earlier notes cut)."""
    kept = [cut_at(n, begin) for n in notes if n.start < begin] + [
        n for n in notes if n.start >= end
    ]
    return sorted([n for n in kept if n.duration > 0] + list(new), key=lambda n: n.start)


def _cut_to(notes: Sequence[Note], end: float) -> list[Note]:
    """The notes before beat ``end``, the last one cut there (an odd number of 2/4 bars)."""
    return [cut_at(n, end) for n in notes if n.start < end - 1e-9]


def _check_count(count: int) -> None:
    if not 1 <= count <= MAX_COUNT:
        raise InvalidInput(f"count must be between 1 and {MAX_COUNT}, not {count}")


def melody_song(
    melody: GeneratedMelody, *, program: int = 0, with_chords: bool = False, title: str = ""
) -> Song:
    """A song for export: the melody (and optionally a block-chord track), tempo, meter and key.

    The key signature is written for major and minor scales (modes have no MIDI signature of
    their own). A sustain-off event at the last bar line marks where the music ends, so a file
    ending in a rest still has its full number of bars.
    """
    settings = melody.settings
    bar = settings.bar_beats
    first = melody.first_bar * UNIT_BEATS[settings.meter]
    end = ControlChange(float(first + settings.bars * bar), 64, 0)
    tracks = [Track(melody.notes, program=program, name="Melody", controls=(end,))]
    if with_chords:
        chord_notes = [
            Note(pitch, first + i * bar, bar, 60)
            for i, chord in enumerate(melody.chords)
            for pitch in chord.voicing(octave=3)
        ]
        tracks.append(Track(tuple(chord_notes), program=0, name="Chords", controls=(end,)))
    key = settings.key
    signatures = ()
    if key.mode == "major" or key.mode in MINOR_FAMILY:
        mode = "major" if key.mode == "major" else "minor"
        signatures = (KeySignature(0.0, key.tonic, mode),)
    return Song(
        tracks=tuple(tracks),
        tempos=(TempoChange(0.0, settings.tempo),),
        time_signatures=(TimeSignature.parse(settings.meter),),
        key_signatures=signatures,
        title=title,
    )
