using BertCore.Text;
using Xunit;

namespace BertCore.Tests.Text;

public class BasicTokenizerTests
{
    [Fact]
    public void Nul_replacement_and_control_characters_vanish_without_splitting_the_word()
    {
        // shared/data/hf_tokenizer_cases/SOURCE.md: "1\u00002\uFFFD3" gives ["123"].
        Assert.Equal(["123"], new BasicTokenizer().Tokenize("1\u00002\uFFFD3"));
        Assert.Equal(["ab"], new BasicTokenizer().Tokenize("a\u200Bb"));
    }

    [Fact]
    public void Tabs_newlines_nbsp_and_line_separators_split_words()
    {
        Assert.Equal(["a", "b", "c", "d", "e"], new BasicTokenizer().Tokenize("a\tb\r\nc\u00A0d\u2028e"));
    }

    [Fact]
    public void Cjk_ideographs_are_single_words_unless_disabled()
    {
        Assert.Equal(["x", "博", "物", "y"], new BasicTokenizer().Tokenize("x博物y"));
        Assert.Equal(["x博物y"], new BasicTokenizer(tokenizeChineseChars: false).Tokenize("x博物y"));
        // Hiragana is not in the CJK ideograph blocks.
        Assert.Equal(["xのy"], new BasicTokenizer().Tokenize("xのy"));
    }

    [Fact]
    public void Currency_signs_are_not_punctuation_but_ascii_symbols_are()
    {
        Assert.Equal(["£5", "$", "5", "€5", "^", "5"], new BasicTokenizer().Tokenize("£5 $5 €5 ^5"));
    }

    [Fact]
    public void Lower_casing_uses_the_full_unicode_mapping()
    {
        // Unicode SpecialCasing: U+0130 lower-cases to "i" + U+0307; stripping accents then leaves "i".
        Assert.Equal(["i\u0307stanbul"], new BasicTokenizer(lowerCase: true, stripAccents: false).Tokenize("\u0130stanbul"));
        Assert.Equal(["istanbul"], new BasicTokenizer().Tokenize("\u0130stanbul"));
    }

    [Fact]
    public void Decomposed_accents_are_stripped_too()
    {
        Assert.Equal(["cafe"], new BasicTokenizer().Tokenize("cafe\u0301"));
        Assert.Equal(["cafe\u0301"], new BasicTokenizer(lowerCase: false).Tokenize("cafe\u0301"));
    }

    [Fact]
    public void Punctuation_splitting_can_be_turned_off()
    {
        Assert.Equal(["can't."], new BasicTokenizer(splitOnPunctuation: false).Tokenize("can't."));
    }
}
