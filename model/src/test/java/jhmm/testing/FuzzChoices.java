package jhmm.testing;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;

/**
 * Choices read from the fuzzer's input, so that Jazzer's mutations of the bytes become changes
 * of the case. An input that runs out gives the smallest value of every range from then on.
 */
public final class FuzzChoices implements Choices {
    private final FuzzedDataProvider data;

    public FuzzChoices(FuzzedDataProvider data) {
        this.data = data;
    }

    @Override
    public int between(int min, int max) {
        return data.consumeInt(min, max);
    }
}
